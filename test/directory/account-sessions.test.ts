import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccountSessions, type AccountSessions } from '../../src/directory/account-sessions.js';
import { createAdapterFactory } from '../../src/provider/adapters/index.js';
import { Browser } from '../support/browserless.js';
import { isLoginPage, oauthErrorOf, signIn, startAuthorization, webAppClient } from '../support/oidc-client.js';
import { describeWithPostgres, describeWithRedis, freshPostgresSchema, redisUrl } from '../support/real-servers.js';
import { startFoyer, type RunningFoyer } from '../support/start-foyer.js';

const PASSWORD = 'correct horse battery staple';

/**
 * The same behaviour on every store of oidc-provider state: SQLite (always), PostgreSQL and Redis
 * (when TEST_DATABASE_URL / TEST_REDIS_URL are set).
 */
describe('ending an account’s sessions on SQLite', () => suite(() => ({})));
describeWithPostgres('ending an account’s sessions on PostgreSQL', () => {
  const pg = freshPostgresSchema();
  suite(() => ({ databaseUrl: pg.url }));
});
describeWithRedis('ending an account’s sessions on Redis', () => suite(() => ({ redisUrl: redisUrl() })));

function suite(storage: () => { databaseUrl?: string; redisUrl?: string }) {
  let foyer: RunningFoyer;
  let sessions: AccountSessions;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    foyer = await startFoyer(() => {}, storage());
    for (const who of ['ann', 'ben']) ids[who] = await foyer.createMember(`${who}@contoso.example`, PASSWORD);
    sessions = createAccountSessions({ db: foyer.foyer.db, redis: foyer.foyer.redis, adapters: createAdapterFactory({ db: foyer.foyer.db, redis: foyer.foyer.redis }) });
  });
  afterAll(() => foyer?.stop());

  async function signedIn(who: string) {
    const browser = new Browser();
    const config = await webAppClient(foyer.issuer);
    const { tokens } = await signIn(browser, config, { email: `${who}@contoso.example`, password: PASSWORD });
    return { browser, config, refreshToken: tokens.refresh_token! };
  }

  it('revokeAll ends every session and refresh token of one account and nobody else’s', async () => {
    const ann1 = await signedIn('ann');
    const ann2 = await signedIn('ann');
    const ben = await signedIn('ben');

    expect(await sessions.revokeAll(ids.ann!)).toEqual({ sessions: 2, grants: 2 });
    for (const s of [ann1, ann2]) {
      expect(await oauthErrorOf(client.refreshTokenGrant(s.config, s.refreshToken))).toMatchObject({ error: 'invalid_grant' });
      const next = await s.browser.navigate((await startAuthorization(s.config)).url.href, { stopAt: ['http://127.0.0.1:9999/'] });
      expect(isLoginPage(next)).toBe(true);
    }
    const benRefreshed = await client.refreshTokenGrant(ben.config, ben.refreshToken);
    expect(benRefreshed.access_token).toBeTruthy();
    expect(await sessions.revokeAll(ids.ann!)).toEqual({ sessions: 0, grants: 0 });
  });

  it('revokeForClient revokes one app’s grants and keeps the session', async () => {
    const ben = await signedIn('ben');
    expect(await sessions.revokeForClient(ids.ben!, 'spa-app')).toEqual({ grants: 0 });
    const refreshed = await client.refreshTokenGrant(ben.config, ben.refreshToken);
    const revoked = await sessions.revokeForClient(ids.ben!, 'web-app');
    expect(revoked.grants).toBeGreaterThanOrEqual(1);
    expect(await oauthErrorOf(client.refreshTokenGrant(ben.config, refreshed.refresh_token!))).toMatchObject({ error: 'invalid_grant' });
    // Still signed in at Foyer: the app gets a new grant without a login form.
    const again = await signIn(ben.browser, ben.config, { email: 'ben@contoso.example', password: PASSWORD });
    expect(again.sawLogin).toBe(false);
  });
}
