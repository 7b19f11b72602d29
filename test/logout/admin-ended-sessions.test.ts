import * as client from 'openid-client';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogoutQueue } from '../../src/logout/logout-queue.js';
import { api, appToken } from '../support/api-client.js';
import { Browser } from '../support/browserless.js';
import { startLogoutReceiver, type LogoutReceiver } from '../support/logout-receiver.js';
import { signIn, webAppClient, WEB_APP } from '../support/oidc-client.js';
import { describeWithPostgres, describeWithRedis, freshPostgresSchema, redisUrl } from '../support/real-servers.js';
import { DEMO_SECRET } from '../support/start-foyer.js';
import { PASSWORD, startWorld, type World } from '../support/world.js';

const NOTES = { id: 'notes-app', redirectUri: 'http://127.0.0.1:9995/callback' };

/**
 * Sessions an administrator ends (delete, revoke sign-in sessions) reach every app the user was
 * signed in to, each with its own logout token (aud = that app, sid = the session that app saw),
 * from the durable queue, on every store: SQLite, PostgreSQL, and Redis for the provider's state.
 */
describe('apps hear of sessions an admin ended, on SQLite', () => suite(() => ({})));
describeWithPostgres('apps hear of sessions an admin ended, on PostgreSQL', () => {
  const pg = freshPostgresSchema();
  suite(() => ({ databaseUrl: pg.url }));
});
describeWithRedis('apps hear of sessions an admin ended, with Redis', () => suite(() => ({ redisUrl: redisUrl() })));

function suite(storage: () => { databaseUrl?: string; redisUrl?: string }) {
  let world: World;
  const receivers: Record<string, LogoutReceiver> = {};
  let admin: string;
  const issuer = () => world.foyer.issuer;

  beforeAll(async () => {
    for (const app of [WEB_APP.id, NOTES.id]) receivers[app] = await startLogoutReceiver();
    world = await startWorld({
      ...storage(),
      members: ['una@contoso.example', 'vic@contoso.example'],
      apps: [
        { id: NOTES.id, displayName: 'Notes', clientSecret: DEMO_SECRET, redirectUris: [NOTES.redirectUri], firstParty: true, backchannelLogoutUri: receivers[NOTES.id]!.url },
        { id: 'admin-app', displayName: 'Admin', clientSecret: DEMO_SECRET, grantTypes: ['client_credentials'], permissions: ['User.ReadWrite.All'] },
        // An app without a logout URI is never queued.
        { id: 'quiet-app', displayName: 'Quiet', clientSecret: DEMO_SECRET, redirectUris: ['http://127.0.0.1:9994/callback'], firstParty: true },
      ],
      customize: (config) => {
        (config.apps as Record<string, unknown>[]).find((a) => a.id === WEB_APP.id)!.backchannelLogoutUri = receivers[WEB_APP.id]!.url;
      },
    });
    admin = await appToken(issuer(), 'admin-app');
  }, 120_000);
  afterAll(async () => {
    await world?.stop();
    for (const r of Object.values(receivers)) await r.close();
  });

  /** Signs `email` in to web-app, then (single sign-on, same browser) to notes-app and quiet-app; the ID tokens by app. */
  async function signedInEverywhere(email: string): Promise<Record<string, string>> {
    const browser = new Browser();
    const idTokens: Record<string, string> = {};
    idTokens[WEB_APP.id] = (await signIn(browser, await webAppClient(issuer()), { email, password: PASSWORD })).tokens.id_token!;
    for (const [id, redirectUri] of [[NOTES.id, NOTES.redirectUri], ['quiet-app', 'http://127.0.0.1:9994/callback']] as const) {
      const config = await client.discovery(new URL(issuer()), id, DEMO_SECRET, client.ClientSecretBasic(DEMO_SECRET), { execute: [client.allowInsecureRequests] });
      const result = await signIn(browser, config, { email, password: PASSWORD, params: { redirect_uri: redirectUri } });
      expect(result.sawLogin).toBe(false);
      idTokens[id] = result.tokens.id_token!;
    }
    return idTokens;
  }

  async function expectLoggedOut(idTokens: Record<string, string>) {
    const jwks = createRemoteJWKSet(new URL(`${issuer()}/jwks`));
    for (const app of [WEB_APP.id, NOTES.id]) {
      const { payload } = await jwtVerify(await receivers[app]!.next(), jwks, { issuer: issuer(), audience: app, typ: 'logout+jwt' });
      const session = decodeJwt(idTokens[app]!);
      expect([app, payload.sid, payload.sub]).toEqual([app, session.sid, session.sub]);
      expect(payload.events).toEqual({ 'http://schemas.openid.net/event/backchannel-logout': {} });
    }
  }

  it.each([
    ['revokes their sign-in sessions', 'una@contoso.example', 'POST', '/revokeSignInSessions', 'sessionsRevoked'],
    ['deletes the user', 'vic@contoso.example', 'DELETE', '', 'deleted'],
  ])('when an admin %s, each app of the session gets its own logout token', async (_what, email, method, suffix, reason) => {
    const idTokens = await signedInEverywhere(email);
    const userId = world.members[email]!;
    const res = await api(issuer(), admin, method, `/users/${userId}${suffix}`);
    expect(res.status).toBeLessThan(300);
    const queued = await world.foyer.foyer.db('logout_deliveries').where({ account_id: userId }).orderBy('client_id');
    expect(queued.map((r) => [r.client_id, r.reason])).toEqual([[NOTES.id, reason], [WEB_APP.id, reason]]);
    await world.foyer.foyer.logout.deliverDue();
    await expectLoggedOut(idTokens);
    expect(await world.foyer.foyer.db('logout_deliveries').where({ account_id: userId }).whereNull('delivered_at')).toEqual([]);
  }, 60_000);

  it('two nodes never send the same delivery: a claimed row is skipped until its claim lapses', async () => {
    const queue = new LogoutQueue(world.foyer.foyer.db);
    // Queued ten minutes ahead on the queue's clock, so the node's own job (on the real clock) leaves it alone.
    const now = new Date(Date.now() + 600_000);
    await queue.enqueue([{ clientId: 'gone-app', accountId: '00000000-0000-4000-8000-000000000001', sid: 'x' }], 'disabled', now);
    const [first, second] = await Promise.all([queue.claimDue(now), queue.claimDue(now)]);
    expect(first.length + second.length).toBe(1);
    expect(await queue.claimDue(new Date(now.getTime() + 30_000))).toEqual([]);
    // An app no longer in config has no one to tell: the row is dropped, not retried forever.
    expect(await world.foyer.foyer.logout.deliverDue(new Date(now.getTime() + 61_000))).toMatchObject({ dropped: 1 });
    expect(await queue.counts()).toEqual({ pending: 0, givenUp: 0 });
  });
}
