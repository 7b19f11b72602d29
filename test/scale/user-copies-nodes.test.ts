/**
 * Two Foyer processes on one PostgreSQL schema and one Redis: node B keeps a copy of the user its
 * refresh-token grants read (src/directory/user-cache.ts), and every change of that user made
 * elsewhere (node A's Graph API, a third process writing the directory) reaches B's very next
 * grant. The attack: a guest disabled on one node keeps refreshing on another that had them cached.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import * as client from 'openid-client';
import { connectRedis, type Redis } from '../../src/db/redis.js';
import { DirectoryUsers } from '../../src/directory/directory-users.js';
import { createUserVersions } from '../../src/directory/user-versions.js';
import { attachUserVersions } from '../../src/directory/user-writes.js';
import { api, appToken } from '../support/api-client.js';
import { oauthErrorOf, signedInWebApp } from '../support/oidc-client.js';
import { describeWithPostgres, describeWithRedis, freshPostgresSchema, redisDatabaseUrl, redisUrl } from '../support/real-servers.js';
import { daemonApp } from '../support/world.js';
import { byRules } from './support/balancer.js';
import { startCluster, type Cluster } from './support/cluster.js';

const REDIS_DB = 15;
const PASSWORD = 'correct horse battery staple';

const nameIn = (tokens: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers) => tokens.claims()?.name;

describeWithPostgres('a user’s copy on another node', () => {
  describeWithRedis('on PostgreSQL and Redis', () => {
    const pg = freshPostgresSchema();
    let cluster: Cluster;
    let writer: string;
    let redis: Redis;

    beforeAll(async () => {
      cluster = await startCluster({
        databaseUrl: pg.url,
        redisUrl: redisUrl(),
        redisDatabase: REDIS_DB,
        customize: (config) => (config.apps as unknown[]).push(daemonApp('writer-app', ['User.ReadWrite.All'])),
      });
      // Sign-ins and the API on A; every token request on B.
      cluster.balancer.route = byRules([[(m, p) => m === 'POST' && p === '/token', 'b']]);
      writer = await appToken(cluster.issuer, 'writer-app');
      // The test's own connection writes the directory as a third process would (as the CLI does):
      // announcing its writes in the deployment's Redis.
      redis = await connectRedis(redisDatabaseUrl(redisUrl()!, REDIS_DB));
      attachUserVersions(cluster.db, createUserVersions({ db: cluster.db, redis }));
    }, 120_000);
    afterAll(async () => {
      await redis?.quit();
      await cluster?.stop();
    });

    async function signedIn(email: string) {
      const userId = await cluster.createMember(email, PASSWORD);
      const { config, tokens } = await signedInWebApp(cluster.issuer, email, PASSWORD);
      // Two grants on B: the second is served from B's copy.
      const first = await client.refreshTokenGrant(config, tokens.refresh_token!);
      const second = await client.refreshTokenGrant(config, first.refresh_token!);
      expect(cluster.balancer.served.filter((s) => s.path === '/token').every((s) => s.node === 'b')).toBe(true);
      return { userId, config, second };
    }

    it('a rename through the Graph API on A is in the ID token of B’s next refresh', async () => {
      const { userId, config, second } = await signedIn('renamed@contoso.example');
      expect(nameIn(second)).toBe('renamed');
      expect((await api(cluster.issuer, writer, 'PATCH', `/users/${userId}`, { displayName: 'Renamed On A' })).status).toBe(204);
      const next = await client.refreshTokenGrant(config, second.refresh_token!);
      expect(nameIn(next)).toBe('Renamed On A');
    });

    it('a disable through the Graph API on A: B refuses the next refresh at once (invalid_grant)', async () => {
      const { userId, config, second } = await signedIn('disabled.api@contoso.example');
      expect((await api(cluster.issuer, writer, 'PATCH', `/users/${userId}`, { accountEnabled: false })).status).toBe(204);
      expect(await oauthErrorOf(client.refreshTokenGrant(config, second.refresh_token!))).toMatchObject({ error: 'invalid_grant' });
    });

    it('a disable written by another process, which ends no session: B refuses at once, issues nothing, and the token works again once re-enabled', async () => {
      const { userId, config, second } = await signedIn('disabled.elsewhere@contoso.example');
      const directory = new DirectoryUsers(cluster.db);
      await directory.update(userId, { accountEnabled: false });
      // Only the account check stands between this token and new tokens: its grant was not revoked.
      expect(await oauthErrorOf(client.refreshTokenGrant(config, second.refresh_token!))).toMatchObject({ error: 'invalid_grant' });
      expect(await oauthErrorOf(client.refreshTokenGrant(config, second.refresh_token!))).toMatchObject({ error: 'invalid_grant' });
      // Nothing was issued or rotated: the same refresh token is still the current one.
      await directory.update(userId, { accountEnabled: true });
      const after = await client.refreshTokenGrant(config, second.refresh_token!);
      expect(after.access_token).toBeTruthy();
    });

    it('a user deleted by another process: B refuses the next refresh at once', async () => {
      const { userId, config, second } = await signedIn('deleted.elsewhere@contoso.example');
      await new DirectoryUsers(cluster.db).delete(userId);
      expect(await oauthErrorOf(client.refreshTokenGrant(config, second.refresh_token!))).toMatchObject({ error: 'invalid_grant' });
    });
  });
});
