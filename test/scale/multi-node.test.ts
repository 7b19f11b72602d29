/**
 * Two stateless Foyer processes on one PostgreSQL schema and one Redis, behind one issuer URL.
 * The balancer sends each step of a flow to the node the test names, so every flow below really
 * crosses nodes: nothing a step needs may live in one node's memory.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { api, appToken } from '../support/api-client.js';
import { Browser, errorCodeOf, headingOf } from '../support/browserless.js';
import { KeyStore } from '../../src/provider/keys/key-store.js';
import { PARTNER_USERS, signInAtPartner } from '../support/partner-idp.js';
import { describeWithPostgres, describeWithRedis, freshPostgresSchema, redisUrl } from '../support/real-servers.js';
import { redeemUrlIn } from '../support/guest-world.js';
import { WEB_APP, finishAuthorization, isIdentifyPage, isPasswordPage, startAuthorization, webAppClient } from '../support/oidc-client.js';
import * as client from 'openid-client';
import { eventually } from '../faults/support/timed.js';
import { byRules } from './support/balancer.js';
import { APP_URL, startCluster, type Cluster } from './support/cluster.js';

const REDIS_DB = 9;
const PASSWORD = 'correct horse battery staple';
const PRE_PUBLISH_SECONDS = 5;
const racer = (sub: string) => ({ sub, email: 'racer@partner.example', emailVerified: true, name: 'Racer', amr: ['pwd'] });

describeWithPostgres('several Foyer nodes', () => {
  describeWithRedis('on PostgreSQL and Redis', () => {
    const pg = freshPostgresSchema();
    let cluster: Cluster;
    let token: string;

    beforeAll(async () => {
      cluster = await startCluster({
        databaseUrl: pg.url,
        redisUrl: redisUrl(), redisDatabase: REDIS_DB,
        partnerUsers: { ...PARTNER_USERS, racer1: racer('racer-0001'), racer2: racer('racer-0002') },
        customize: (config) => {
          // Client IPs come from X-Forwarded-For, so the shared-budget test can be one client of its own.
          Object.assign(config.server as Record<string, unknown>, { trustProxy: true, keysPrePublishSeconds: PRE_PUBLISH_SECONDS });
          config.limits = { tokenRequestsPerIpPerMinute: 40, passwordAttemptsPerAccount: 4 };
        },
      });
      cluster.balancer.route = byRules([[(m, p) => m === 'POST' && p === '/token', 'a']]);
      token = await appToken(cluster.issuer, 'portal-app');
    }, 120_000);
    afterAll(() => cluster?.stop());

    it('member sign-in: authorize on A, password on B, code for tokens on A, refresh on B, userinfo on B, logout across nodes', async () => {
      const email = 'member.one@contoso.example';
      const userId = await cluster.createMember(email, PASSWORD);
      const step = { node: 'a' };
      cluster.balancer.route = () => step.node;
      const config = await webAppClient(cluster.issuer);
      const browser = new Browser();

      const pending = await startAuthorization(config);
      step.node = 'a';
      const identify = await browser.navigate(pending.url.href, { stopAt: [WEB_APP.redirectUri] });
      expect(isIdentifyPage(identify)).toBe(true);
      step.node = 'b';
      const passwordForm = await browser.submit(identify, { email });
      expect(isPasswordPage(passwordForm)).toBe(true);
      // The login POST on B; the redirect back to /auth/:uid (the resume) on A.
      cluster.balancer.route = (req) => (req.method === 'POST' ? 'b' : 'a');
      const done = await browser.submit(passwordForm, { email, password: PASSWORD }, { stopAt: [WEB_APP.redirectUri] });
      expect(done.stoppedAt, done.body.slice(0, 400)).toBeTruthy();

      cluster.balancer.route = () => 'a';
      const tokens = await finishAuthorization(config, done.stoppedAt!, pending);
      expect(tokens.claims()!.sub).toBe(userId);
      cluster.balancer.route = () => 'b';
      const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
      expect(refreshed.access_token).toBeTruthy();
      const info = await client.fetchUserInfo(config, refreshed.access_token, userId);
      expect(info.email).toBe(email);

      const servedBy = new Set(cluster.balancer.served.map((s) => s.node));
      expect([...servedBy].sort()).toEqual(['a', 'b']);

      // Logout: the confirmation page from A, the confirming POST on B; the session is gone on both.
      cluster.balancer.route = () => 'a';
      const logoutUrl = client.buildEndSessionUrl(config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: WEB_APP.postLogoutRedirectUri });
      const confirm = await browser.navigate(logoutUrl.href, { stopAt: [WEB_APP.postLogoutRedirectUri] });
      expect(confirm.status).toBe(200);
      cluster.balancer.route = () => 'b';
      const loggedOut = await browser.submit(confirm, { logout: 'yes' }, { stopAt: [WEB_APP.postLogoutRedirectUri] });
      expect(loggedOut.stoppedAt).toBeTruthy();
      for (const node of ['a', 'b']) {
        cluster.balancer.route = () => node;
        const again = await startAuthorization(config);
        const page = await browser.navigate(again.url.href, { stopAt: [WEB_APP.redirectUri] });
        expect(page.stoppedAt, `node ${node} still had a session`).toBeUndefined();
        expect(isIdentifyPage(page) || isPasswordPage(page)).toBe(true);
      }
    });

    async function invite(email: string): Promise<{ userId: string; id: string; redeemUrl: string }> {
      const res = await api(cluster.issuer, token, 'POST', '/invitations', { invitedUserEmailAddress: email, inviteRedirectUrl: APP_URL, sendInvitationMessage: true });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return { userId: (res.body.invitedUser as { id: string }).id, id: String(res.body.id), redeemUrl: redeemUrlIn(cluster.latestMail()) };
    }

    /** Redeem page, accept, partner sign-in; stops with the partner's answer not yet delivered. */
    async function redeemUpToCallback(browser: Browser, redeemUrl: string, login: string): Promise<{ callback: string; uid: string; state: string }> {
      const page = await browser.navigate(redeemUrl);
      expect(headingOf(page.body)).toBe('Review permissions');
      const toPartner = await browser.submit(page, {}, { stopAt: [APP_URL] });
      const uid = toPartner.trail.map((u) => /\/interaction\/([^/?#]+)/.exec(u)?.[1]).find(Boolean)!;
      const callback = `${cluster.issuer}/federation/partner/callback`;
      const params = await signInAtPartner(browser, toPartner.url, login, callback);
      return { callback: `${callback}?${new URLSearchParams(params)}`, uid, state: params.state! };
    }

    it('guest redemption through the partner IdP: invitation on A, redeem page on B, accept on A, callback on B, continue on A', async () => {
      cluster.balancer.route = () => 'a';
      const { userId, redeemUrl } = await invite('alice@partner.example');
      const browser = new Browser();
      cluster.balancer.route = (req) => (req.url?.startsWith('/redeem') && req.method === 'GET' ? 'b' : 'a');
      const page = await browser.navigate(redeemUrl);
      expect(headingOf(page.body)).toBe('Review permissions');
      const toPartner = await browser.submit(page, {}, { stopAt: [APP_URL] });
      const callback = `${cluster.issuer}/federation/partner/callback`;
      const params = await signInAtPartner(browser, toPartner.url, 'alice', callback);
      cluster.balancer.route = (req) => (req.url?.startsWith('/federation/') ? 'b' : 'a');
      const landed = await browser.navigate(`${callback}?${new URLSearchParams(params)}`, { stopAt: [APP_URL] });
      expect(landed.stoppedAt, landed.body.slice(0, 500)).toBe(APP_URL);

      cluster.balancer.route = () => 'b';
      const user = await api(cluster.issuer, token, 'GET', `/users/${userId}`);
      expect(user.body).toMatchObject({ externalUserState: 'Accepted', userType: 'Guest' });

      // The app signs in silently on node B with the session created across A and B.
      const config = await webAppClient(cluster.issuer);
      const pending = await startAuthorization(config);
      const sso = await browser.navigate(pending.url.href, { stopAt: [WEB_APP.redirectUri] });
      expect(sso.stoppedAt).toBeTruthy();
      cluster.balancer.route = () => 'a';
      const tokens = await finishAuthorization(config, sso.stoppedAt!, pending);
      expect(tokens.claims()!.sub).toBe(userId);
    });

    it('one ticket redeemed at the same moment on A and on B is redeemed exactly once', async () => {
      cluster.balancer.route = () => 'a';
      const { id, userId, redeemUrl } = await invite('racer@partner.example');
      // Two browsers, two partner accounts that both prove the invited address, both up to the callback.
      const one = new Browser();
      const two = new Browser();
      const [first, second] = await Promise.all([redeemUpToCallback(one, redeemUrl, 'racer1'), redeemUpToCallback(two, redeemUrl, 'racer2')]);
      const nodeOf = new Map<string, string>([
        [first.uid, 'a'],
        [first.state, 'a'],
        [second.uid, 'b'],
        [second.state, 'b'],
      ]);
      cluster.balancer.route = (req) => [...nodeOf].find(([key]) => req.url?.includes(key))?.[1] ?? 'a';
      const results = await Promise.all([
        one.navigate(first.callback, { stopAt: [APP_URL] }),
        two.navigate(second.callback, { stopAt: [APP_URL] }),
      ]);
      const landed = results.filter((r) => r.stoppedAt === APP_URL);
      const refused = results.filter((r) => r.stoppedAt !== APP_URL);
      expect(landed).toHaveLength(1);
      expect(refused.map((r) => [r.status, errorCodeOf(r.body)])).toEqual([[409, 'invitationAlreadyRedeemed']]);

      expect(await cluster.db('invitations').where({ id }).first()).toMatchObject({ status: 'Completed' });
      expect(await cluster.db('identities').where({ user_id: userId })).toHaveLength(1);
      const audit = await cluster.db('audit_log').where({ activity: 'Redeem invitation', result: 'success', target_id: userId });
      expect(audit).toHaveLength(1);
    });

    it('failed-password counters are shared: failures on A and on B lock the account on both', async () => {
      const email = 'member.locked@contoso.example';
      await cluster.createMember(email, PASSWORD);
      const config = await webAppClient(cluster.issuer);
      const browser = new Browser();
      cluster.balancer.route = () => 'a';
      const pending = await startAuthorization(config);
      let page = await browser.navigate(pending.url.href, { stopAt: [WEB_APP.redirectUri] });
      page = await browser.submit(page, { email });
      expect(isPasswordPage(page)).toBe(true);
      let turn = 0;
      cluster.balancer.route = () => (turn++ % 2 === 0 ? 'a' : 'b');
      for (let i = 0; i < 4; i++) {
        page = await browser.submit(page, { email, password: `wrong password ${i}` });
        expect(page.status).toBe(401);
      }
      for (const node of ['a', 'b']) {
        cluster.balancer.route = () => node;
        const locked = await browser.submit(page, { email, password: PASSWORD });
        expect(locked.status, `node ${node}`).toBe(429);
        expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
      }
    });

    it('request budgets are shared: the token endpoint refuses the 41st request of a minute on either node', async () => {
      let turn = 0;
      cluster.balancer.route = () => (turn++ % 2 === 0 ? 'a' : 'b');
      const tokenRequest = () =>
        fetch(`${cluster.issuer}/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': '203.0.113.41' },
          body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'daemon-app', client_secret: 'wrong' }),
        });
      for (let i = 0; i < 40; i++) {
        const res = await tokenRequest();
        await res.body?.cancel();
        expect(res.status).not.toBe(429);
      }
      for (const node of ['a', 'b']) {
        cluster.balancer.route = () => node;
        const res = await tokenRequest();
        expect(res.status, `node ${node}`).toBe(429);
        expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
        expect(await res.json()).toMatchObject({ error: 'too_many_requests' });
      }
    });

    it('a key rotation is published by both nodes without a restart, and used for signing only after the pre-publication period', async () => {
      const kidsOf = async (node: string) => {
        const { keys } = (await (await fetch(`${cluster.node(node).url}/jwks`)).json()) as { keys: { kid: string }[] };
        return keys.map((k) => k.kid);
      };
      const kidOf = (jwt: string) => (JSON.parse(Buffer.from(jwt.split('.')[0]!, 'base64url').toString()) as { kid: string }).kid;
      cluster.balancer.route = () => 'a';
      const oldToken = await appToken(cluster.issuer, 'portal-app');
      const oldKid = kidOf(oldToken);

      const rotatedAt = Date.now();
      const { added } = await new KeyStore(cluster.db).rotate(3600);
      for (const node of ['a', 'b']) {
        await eventually(async () => expect(await kidsOf(node)).toEqual(expect.arrayContaining([...added, oldKid])), 8_000);
      }
      // Published everywhere, but still not signing: the old key signs until the period is over.
      cluster.balancer.route = () => 'b';
      const during = await appToken(cluster.issuer, 'portal-app');
      if (Date.now() - rotatedAt < (PRE_PUBLISH_SECONDS - 1) * 1000) expect(kidOf(during)).toBe(oldKid);

      let fresh = '';
      await eventually(async () => {
        fresh = await appToken(cluster.issuer, 'portal-app');
        expect(added).toContain(kidOf(fresh));
      }, (PRE_PUBLISH_SECONDS + 8) * 1000);
      // A token signed with the new key on B is accepted by the API on A, and the old one still is.
      cluster.balancer.route = () => 'a';
      expect((await api(cluster.issuer, fresh, 'GET', `/invitations?$top=1`)).status).toBe(200);
      expect((await api(cluster.issuer, oldToken, 'GET', `/invitations?$top=1`)).status).toBe(200);
    }, 60_000);
  });
});
