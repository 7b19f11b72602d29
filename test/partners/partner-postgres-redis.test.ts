/**
 * Partner settings on the production storage: PostgreSQL (the claims a partner's IdP asserted, the
 * sign-in log's partner) and Redis (sessions, grants and refresh tokens, ended through the account
 * index when a partner is blocked). Runs where TEST_DATABASE_URL and TEST_REDIS_URL are set (CI).
 */
import * as client from 'openid-client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connectRedis } from '../../src/db/redis.js';
import { errorCodeOf, headingOf, type Browser } from '../support/browserless.js';
import { describeWithPostgres, describeWithRedis, freshPostgresSchema, redisDatabaseUrl, redisUrl } from '../support/real-servers.js';
import { DEMO_SECRET } from '../support/start-foyer.js';
import { start, type Authorization } from '../e2e-access/access-support.js';
import { APP_A, invite, redeem, startPartnerWorld, type PartnerWorld } from './partner-world.js';

/** A Redis database of its own (the others' suites flush theirs). */
const REDIS_DB = 13;
const redisDb = () => redisDatabaseUrl(redisUrl()!, REDIS_DB);

async function refreshTokenFrom(auth: Authorization): Promise<string> {
  const tokens = await client.authorizationCodeGrant(auth.config, new URL(auth.page.stoppedAt!), { pkceCodeVerifier: auth.pending.codeVerifier, expectedState: auth.pending.state, expectedNonce: auth.pending.nonce });
  return tokens.refresh_token!;
}

describeWithPostgres('partner settings', () => {
  describeWithRedis('on PostgreSQL and Redis', () => {
    const pg = freshPostgresSchema();
    let world: PartnerWorld;
    let alice: { userId: string; browser: Browser; refreshToken: string };
    let owen: { refreshToken: string };

    beforeAll(async () => {
      const redis = await connectRedis(redisDb());
      await redis.flushdb();
      await redis.quit();
      world = await startPartnerWorld(
        (config) => {
          const northwind = (config.partners as Record<string, unknown>[])[1]!;
          northwind.b2bCollaborationInbound = { usersAndGroups: { accessType: 'allowed', targets: [{ target: 'contoso-project', targetType: 'group' }] } };
        },
        { databaseUrl: pg.url, redisUrl: redisDb() },
      );
      const a = await invite(world, 'alice@fabrikam.example');
      const { browser } = await redeem(world, a.redeemUrl, 'fabrikam', 'alice');
      alice = { userId: a.userId, browser, refreshToken: await refreshTokenFrom(await start(browser, world.issuer, APP_A)) };
      const o = await redeem(world, (await invite(world, 'owen@northwind.example')).redeemUrl, 'northwind', 'owen');
      owen = { refreshToken: await refreshTokenFrom(await start(o.browser, world.issuer, APP_A)) };
      await world.restart((config) => {
        (config.partners as Record<string, unknown>[])[0]!.b2bCollaborationInbound = { usersAndGroups: { accessType: 'blocked', targets: ['AllUsers'] } };
      });
    });
    afterAll(async () => {
      await world?.stop();
      const redis = await connectRedis(redisDb());
      await redis.flushdb();
      await redis.quit();
    });

    it('keeps the group Northwind asserted (PostgreSQL): its member refreshes after the restart', async () => {
      const stored = await pg.db('partner_assertions').select('idp_id', 'claims');
      expect(stored.map((r: { idp_id: string; claims: string }) => [r.idp_id, JSON.parse(r.claims)])).toEqual([['northwind', { groups: ['contoso-project'] }]]);
      const config = await client.discovery(new URL(world.issuer), APP_A.id, DEMO_SECRET, undefined, { execute: [client.allowInsecureRequests] });
      expect((await client.refreshTokenGrant(config, owen.refreshToken)).access_token).toBeTruthy();
    });

    it('refuses the blocked partner’s guest at single sign-on, with the page and no code', async () => {
      const auth = await start(alice.browser, world.issuer, APP_A);
      expect([auth.page.status, headingOf(auth.page.body), errorCodeOf(auth.page.body)]).toEqual([403, 'You cannot use App A', 'partnerBlocked']);
      expect(auth.page.stoppedAt).toBeUndefined();
    });

    it('ends the blocked partner’s refresh tokens and sessions in Redis', async () => {
      const config = await client.discovery(new URL(world.issuer), APP_A.id, DEMO_SECRET, undefined, { execute: [client.allowInsecureRequests] });
      await expect(client.refreshTokenGrant(config, alice.refreshToken)).rejects.toMatchObject({ error: 'invalid_grant' });
      const redis = await connectRedis(redisDb());
      try {
        expect(await redis.exists(`foyer:account:${alice.userId}`)).toBe(0);
      } finally {
        await redis.quit();
      }
      // The session went with them: the browser is asked who it is, and its address is refused.
      const auth = await start(alice.browser, world.issuer, APP_A);
      expect(headingOf(auth.page.body)).toBe('Sign in');
    });

    it('writes the partner into the sign-in log (PostgreSQL)', async () => {
      const rows = await pg.db('sign_ins').where({ user_id: alice.userId, error_code: 'partnerBlocked' }).select('home_tenant_id', 'home_tenant_name');
      expect(rows.length).toBeGreaterThan(0);
      expect(rows[0]).toEqual({ home_tenant_id: 'fabrikam', home_tenant_name: 'Fabrikam' });
    });
  });
});
