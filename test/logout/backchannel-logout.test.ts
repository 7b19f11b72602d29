import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redeemedGuest, submitForm } from '../portal/portal-helpers.js';
import { api, appToken } from '../support/api-client.js';
import { startGuestWorld, type GuestWorld } from '../support/guest-world.js';
import { startLogoutReceiver, type LogoutReceiver } from '../support/logout-receiver.js';
import { PARTNER_USERS } from '../support/partner-idp.js';
import { signedInWebApp, signIn, webAppClient, WEB_APP } from '../support/oidc-client.js';
import { DEMO_SECRET } from '../support/start-foyer.js';
import { partnerUser, PASSWORD } from '../support/world.js';

const BACKCHANNEL_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

/**
 * OIDC Back-Channel Logout 1.0 with a real app on loopback: `web-app` registers a
 * backchannelLogoutUri; the app verifies each logout token as the spec tells it to (signature
 * against Foyer's JWKS, iss, aud, typ, iat, events, and the sid and sub of its own ID token).
 */
describe('back-channel logout to apps', { timeout: 120_000 }, () => {
  let world: GuestWorld;
  let receiver: LogoutReceiver;
  let admin: string;
  const issuer = () => world.foyer.issuer;

  /** What the app does with a logout token: verify it, then match it to the session its ID token named. */
  async function verifyLogoutToken(token: string, idToken: string) {
    const jwks = createRemoteJWKSet(new URL(`${issuer()}/jwks`));
    const { payload } = await jwtVerify(token, jwks, { issuer: issuer(), audience: WEB_APP.id, typ: 'logout+jwt', maxTokenAge: '2 minutes' });
    const session = decodeJwt(idToken);
    expect(session.sid).toEqual(expect.any(String));
    expect(payload).toMatchObject({ events: { [BACKCHANNEL_EVENT]: {} }, sid: session.sid, sub: session.sub, jti: expect.any(String) });
    expect(payload.nonce).toBeUndefined();
    return payload;
  }

  beforeAll(async () => {
    receiver = await startLogoutReceiver();
    world = await startGuestWorld(
      (config) => {
        const apps = config.apps as Record<string, unknown>[];
        apps.find((a) => a.id === WEB_APP.id)!.backchannelLogoutUri = receiver.url;
        apps.push({ id: 'admin-app', displayName: 'Admin', clientSecret: DEMO_SECRET, grantTypes: ['client_credentials'], permissions: ['User.ReadWrite.All'] });
      },
      { users: { ...PARTNER_USERS, leaver: partnerUser('carol.leaver') } },
    );
    admin = await appToken(issuer(), 'admin-app');
  }, 120_000);
  afterAll(async () => {
    await world?.stop();
    await receiver?.close();
  });

  it('is advertised in discovery, with sid in the logout token', async () => {
    const meta = (await (await fetch(`${issuer()}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(meta).toMatchObject({ backchannel_logout_supported: true, backchannel_logout_session_supported: true, end_session_endpoint: `${issuer()}/session/end` });
  });

  it('on sign-out (RP-initiated logout), the app gets a logout token for the session it knew', async () => {
    await world.foyer.createMember('sam@contoso.example', PASSWORD);
    const { browser, config, tokens } = await signedInWebApp(issuer(), 'sam@contoso.example', PASSWORD);
    const before = receiver.tokens.length;
    const page = await browser.navigate(client.buildEndSessionUrl(config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: WEB_APP.postLogoutRedirectUri }).href);
    const done = await browser.submit(page, { logout: 'yes' }, { stopAt: [WEB_APP.postLogoutRedirectUri] });
    expect(done.stoppedAt).toBeDefined();
    // oidc-provider sends it before it answers the sign-out: it is already there.
    expect(receiver.tokens.length).toBe(before + 1);
    await verifyLogoutToken(await receiver.next(), tokens.id_token!);
  });

  it('when a guest leaves the organisation, every app of their session is told, from the queue', async () => {
    const { browser, userId } = await redeemedGuest(world, 'carol.leaver@partner.example', 'leaver');
    // The guest uses the web app in the same browser (single sign-on at Foyer).
    const { tokens } = await signIn(browser, await webAppClient(issuer()), { email: 'carol.leaver@partner.example', password: 'unused' });
    expect(decodeJwt(tokens.id_token!).sub).toBe(userId);

    const confirm = await browser.navigate(`${issuer()}/myapps/leave`);
    await submitForm(browser, confirm, '/myapps/leave');
    const queued = await world.foyer.foyer.db('logout_deliveries').where({ account_id: userId });
    expect(queued.map((r) => [r.client_id, r.reason])).toEqual([[WEB_APP.id, 'leftOrganization']]);

    // Delivered by this run, or by the scheduler's (this one waits for it).
    await world.foyer.foyer.logout.deliverDue();
    const payload = await verifyLogoutToken(await receiver.next(), tokens.id_token!);
    expect(payload.sub).toBe(userId);
    const rows = await world.foyer.foyer.db('logout_deliveries').where({ account_id: userId });
    expect(rows.map((r) => [r.attempts, r.last_error, typeof r.delivered_at])).toEqual([[0, null, 'string']]);
  });

  it('an app that was down when the user was disabled gets the logout token once it is back', async () => {
    await world.foyer.createMember('dan@contoso.example', PASSWORD);
    const { tokens } = await signedInWebApp(issuer(), 'dan@contoso.example', PASSWORD);
    const userId = decodeJwt(tokens.id_token!).sub!;
    const received = receiver.tokens.length;
    await receiver.down();

    expect((await api(issuer(), admin, 'PATCH', `/users/${userId}`, { accountEnabled: false })).status).toBe(204);
    // One attempt is made (here, or by the scheduler's run this one waited for) and fails: connection refused.
    await world.foyer.foyer.logout.deliverDue();
    const failed = await world.foyer.foyer.db('logout_deliveries').where({ account_id: userId }).first();
    expect(failed).toMatchObject({ client_id: WEB_APP.id, reason: 'disabled', attempts: 1, given_up_at: null, delivered_at: null });
    expect(failed.last_error).toEqual(expect.any(String));
    expect(receiver.tokens.length).toBe(received);

    await receiver.up();
    // Not due yet: the retry waits for its backoff, however often the job runs.
    expect(await world.foyer.foyer.logout.deliverDue()).toMatchObject({ delivered: 0 });
    // Half a minute later (the queue's clock, moved), the retry goes out and the app accepts it.
    const later = new Date(Date.now() + 31_000);
    expect(await world.foyer.foyer.logout.deliverDue(later)).toMatchObject({ delivered: 1 });
    await verifyLogoutToken(await receiver.next(), tokens.id_token!);
    expect(await world.foyer.foyer.db('logout_deliveries').where({ account_id: userId }).whereNull('delivered_at')).toEqual([]);

    const metrics = await (await fetch(`${issuer()}/metrics`)).text();
    expect(metrics).toMatch(/^foyer_backchannel_logout_deliveries_total\{result="failed"\} [1-9]/m);
    expect(metrics).toMatch(/^foyer_backchannel_logout_deliveries_total\{result="delivered"\} [1-9]/m);
  });
});
