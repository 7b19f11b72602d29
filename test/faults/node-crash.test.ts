/**
 * kill -9 of one node in the middle of a batch of concurrent sign-ins and invitation redemptions.
 * Every flow either completes (its remaining steps land on the surviving node, which finds the
 * state in Redis and PostgreSQL) or fails with a clean, retryable error (the balancer's 502 for a
 * request that died with the node, or a Foyer error page with a code); a retry then completes.
 * No invitation is lost or redeemed twice.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { api, appToken } from '../support/api-client.js';
import { Browser, errorCodeOf, headingOf, leakedInternals, type Page } from '../support/browserless.js';
import { finishAuthorization, isConsentPage, isIdentifyPage, isPasswordPage, startAuthorization, webAppClient, WEB_APP } from '../support/oidc-client.js';
import { describeWithPostgres, describeWithRedis, freshPostgresSchema, redisUrl } from '../support/real-servers.js';
import { redeemUrlIn } from '../support/guest-world.js';
import { APP_URL, startCluster, type Cluster } from '../scale/support/cluster.js';

const PASSWORD = 'correct horse battery staple';
const REDIS_DB = 12;
const MEMBERS = 6;
const GUESTS = 4;
const FLOW_TIMEOUT_MS = 30_000;

interface Attempt {
  ok: boolean;
  /** How a failed attempt ended: an HTTP status and Foyer's error code, or a network error. */
  failure?: { status?: number; code?: string; network?: string; leak?: string };
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`flow hung for ${ms} ms`)), ms))]);
}

function failureOf(page: Page): Attempt {
  return { ok: false, failure: { status: page.status, code: errorCodeOf(page.body), leak: leakedInternals(page.body) } };
}

describeWithPostgres('kill -9 of a node during concurrent sign-ins', () => {
  describeWithRedis('two nodes on PostgreSQL and Redis', () => {
    const pg = freshPostgresSchema();
    let cluster: Cluster;
    let token: string;
    const callback = () => `${cluster.issuer}/federation/partner/callback`;

    beforeAll(async () => {
      const partnerUsers = Object.fromEntries(
        Array.from({ length: GUESTS }, (_, i) => [`guest${i}`, { sub: `guest-${i}`, email: `guest${i}@partner.example`, emailVerified: true, name: `Guest ${i}`, amr: ['pwd'] }]),
      );
      cluster = await startCluster({ databaseUrl: pg.url, redisUrl: redisUrl(), redisDatabase: REDIS_DB, partnerUsers });
      token = await appToken(cluster.issuer, 'portal-app');
    }, 120_000);
    afterAll(() => cluster?.stop());

    /** One member sign-in, as a browser and the app do it; every page on the way is checked. */
    async function memberSignIn(email: string): Promise<Attempt> {
      const config = await webAppClient(cluster.issuer);
      const browser = new Browser();
      const pending = await startAuthorization(config);
      let page = await browser.navigate(pending.url.href, { stopAt: [WEB_APP.redirectUri] });
      for (let step = 0; step < 5 && !page.stoppedAt; step++) {
        if (isIdentifyPage(page)) page = await browser.submit(page, { email }, { stopAt: [WEB_APP.redirectUri] });
        else if (isPasswordPage(page)) page = await browser.submit(page, { email, password: PASSWORD }, { stopAt: [WEB_APP.redirectUri] });
        else if (isConsentPage(page)) page = await browser.submit(page, {}, { stopAt: [WEB_APP.redirectUri] });
        else return failureOf(page);
      }
      if (!page.stoppedAt) return failureOf(page);
      const tokens = await finishAuthorization(config, page.stoppedAt, pending);
      return { ok: Boolean(tokens.access_token) };
    }

    /** One redemption: the link, accept, the partner, back; a used link simply signs the guest in. */
    async function guestRedeem(redeemUrl: string, login: string): Promise<Attempt> {
      const browser = new Browser();
      const stopAt = [APP_URL, callback()];
      let page = await browser.navigate(redeemUrl, { stopAt });
      for (let step = 0; step < 6 && page.stoppedAt !== APP_URL; step++) {
        if (page.stoppedAt) page = await browser.navigate(page.stoppedAt, { stopAt: [APP_URL] });
        else if (page.status === 200 && headingOf(page.body) === 'Review permissions') page = await browser.submit(page, {}, { stopAt });
        else if (page.status === 200 && page.url.startsWith(cluster.partner.issuer)) page = await browser.submit(page, { login }, { stopAt });
        else return failureOf(page);
      }
      return page.stoppedAt === APP_URL ? { ok: true } : failureOf(page);
    }

    async function attempt(run: () => Promise<Attempt>): Promise<Attempt> {
      try {
        return await withTimeout(run(), FLOW_TIMEOUT_MS);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        if (/hung/.test(message)) throw err;
        return { ok: false, failure: { network: message } };
      }
    }

    it('every flow completes, on the other node or after a clean retry, and every invitation is redeemed exactly once', async () => {
      const invitations: { id: string; userId: string; redeemUrl: string; login: string }[] = [];
      for (let i = 0; i < GUESTS; i++) {
        const res = await api(cluster.issuer, token, 'POST', '/invitations', { invitedUserEmailAddress: `guest${i}@partner.example`, inviteRedirectUrl: APP_URL, sendInvitationMessage: true });
        expect(res.status).toBe(201);
        invitations.push({ id: String(res.body.id), userId: (res.body.invitedUser as { id: string }).id, redeemUrl: redeemUrlIn(cluster.latestMail()), login: `guest${i}` });
      }
      const members = Array.from({ length: MEMBERS }, (_, i) => `crash.member${i}@contoso.example`);
      for (const email of members) await cluster.createMember(email, PASSWORD);

      // Round-robin over both nodes; once node A has answered a few requests of the batch, it dies.
      cluster.balancer.route = () => undefined;
      const servedBefore = cluster.balancer.served.length;
      let batchDone = false;
      const killer = (async () => {
        const servedByA = () => cluster.balancer.served.slice(servedBefore).filter((s) => s.node === 'a').length;
        while (servedByA() < 12 && !batchDone) await new Promise((r) => setTimeout(r, 10));
        await cluster.node('a').crash();
        return servedByA();
      })();

      const flows: (() => Promise<Attempt>)[] = [
        ...members.map((email) => () => memberSignIn(email)),
        ...invitations.map((inv) => () => guestRedeem(inv.redeemUrl, inv.login)),
      ];
      const first = await Promise.all(flows.map((run) => attempt(run)));
      batchDone = true;
      // The crash came in the middle of the batch, not after it.
      expect(await withTimeout(killer, 10_000)).toBeGreaterThanOrEqual(12);
      expect(cluster.node('a').child.signalCode).toBe('SIGKILL');

      // Failures are clean: a 502 from the balancer, a 503, or a Foyer page with an error code; never a 500 or a leak.
      const failures = first.filter((a) => !a.ok).map((a) => a.failure!);
      for (const f of failures) {
        expect(f.leak, JSON.stringify(f)).toBeUndefined();
        if (f.network === undefined) {
          expect(f.status === 502 || f.status === 503 || (f.status! >= 400 && f.status! < 500 && f.code !== undefined), JSON.stringify(f)).toBe(true);
        }
      }
      // A person retries what failed, now on the surviving node, and it works.
      const retried = await Promise.all(first.map((a, i) => (a.ok ? a : attempt(flows[i]!))));
      expect(retried.filter((a) => !a.ok).map((a) => a.failure)).toEqual([]);
      console.info(`node-crash: ${first.length} flows, ${failures.length} failed cleanly at the crash and succeeded on retry`, failures);

      for (const inv of invitations) {
        expect(await cluster.db('invitations').where({ id: inv.id }).first()).toMatchObject({ status: 'Completed' });
        expect(await cluster.db('identities').where({ user_id: inv.userId })).toHaveLength(1);
        expect(await cluster.db('audit_log').where({ activity: 'Redeem invitation', result: 'success', target_id: inv.userId })).toHaveLength(1);
      }
      // Node A comes back and serves again with no manual step.
      await cluster.startNode('a');
      cluster.balancer.route = () => 'a';
      expect((await memberSignIn(members[0]!)).ok).toBe(true);
    }, 180_000);
  });
});
