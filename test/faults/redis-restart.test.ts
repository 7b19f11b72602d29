/**
 * Redis dies and comes back under a running Foyer node (a real process). Foyer reports not ready,
 * answers 503 quickly instead of hanging, and serves again by itself once Redis is back. What is
 * lost depends on Redis's persistence: with an append-only file nothing; without, the short-lived
 * state (sessions, sign-ins in progress, codes, refresh tokens), and nothing in the database.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as client from 'openid-client';
import { Browser, leakedInternals } from '../support/browserless.js';
import { oauthErrorOf, signIn, startAuthorization, webAppClient, WEB_APP } from '../support/oidc-client.js';
import { describeWithPostgres, describeWithRedis, freshPostgresSchema } from '../support/real-servers.js';
import { startCluster, type Cluster } from '../scale/support/cluster.js';
import { ownRedis, redisServerAvailable, type OwnRedis } from './support/own-redis.js';
import { eventually, rawRefresh, readyStatus, timed } from './support/timed.js';
import { DEMO_SECRET } from '../support/start-foyer.js';

const PASSWORD = 'correct horse battery staple';
const EMAIL = 'member.redis@contoso.example';
const CLEAN_FAILURE_MS = 7_000;

const haveRedisServer = redisServerAvailable();

describeWithPostgres('Redis restart under a running node', () => {
  describeWithRedis('own redis-server', () => {
    describe.skipIf(!haveRedisServer)(haveRedisServer ? 'with a Redis of its own' : '(skipped: redis-server is not installed) with a Redis of its own', () => {
      const pg = freshPostgresSchema();
      let redis: OwnRedis;
      let cluster: Cluster;
      let config: client.Configuration;
      let refreshToken: string;

      beforeAll(async () => {
        redis = await ownRedis();
        await redis.start({ appendOnly: true });
        cluster = await startCluster({ databaseUrl: pg.url, redisUrl: redis.url, nodes: ['a'] });
        await cluster.createMember(EMAIL, PASSWORD);
        config = await webAppClient(cluster.issuer);
      }, 90_000);
      afterAll(async () => {
        await cluster?.stop();
        await redis?.close();
      });

      it('signs in while Redis is up', async () => {
        const { tokens } = await signIn(new Browser(), config, { email: EMAIL, password: PASSWORD });
        refreshToken = tokens.refresh_token!;
        expect(refreshToken).toBeTruthy();
        expect(await readyStatus(cluster.node('a').url)).toBe(200);
      });

      it('while Redis is down: /readyz says 503, /healthz 200, and requests fail with 503 within seconds', async () => {
        await redis.kill();
        const node = cluster.node('a').url;
        await eventually(async () => expect(await readyStatus(node)).toBe(503), 8_000);
        const ready = (await (await fetch(`${node}/readyz`)).json()) as { checks: { name: string; ok: boolean }[] };
        expect(ready.checks).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'redis', ok: false }), expect.objectContaining({ name: 'database', ok: true })]));
        expect((await fetch(`${node}/healthz`)).status).toBe(200);

        const pending = await startAuthorization(config);
        const page = await timed(() => new Browser().navigate(pending.url.href, { stopAt: [WEB_APP.redirectUri] }));
        expect(page.ms).toBeLessThan(CLEAN_FAILURE_MS);
        expect(page.value?.status).toBe(503);
        expect(leakedInternals(page.value!.body)).toBeUndefined();

        const refresh = await timed(() => rawRefresh(cluster.issuer, refreshToken, DEMO_SECRET));
        expect(refresh.ms).toBeLessThan(CLEAN_FAILURE_MS);
        expect(refresh.value).toMatchObject({ status: 503, body: { error: 'temporarily_unavailable' } });

        // The process is still alive and answering.
        expect(cluster.node('a').child.exitCode).toBeNull();
      });

      it('with an append-only file, Redis comes back with everything: the refresh token from before still works', async () => {
        await redis.start({ appendOnly: true });
        await eventually(async () => expect(await readyStatus(cluster.node('a').url)).toBe(200), 15_000);
        const refreshed = await client.refreshTokenGrant(config, refreshToken);
        refreshToken = refreshed.refresh_token!;
        const { tokens } = await signIn(new Browser(), config, { email: EMAIL, password: PASSWORD });
        expect(tokens.access_token).toBeTruthy();
      });

      it('without persistence, Redis comes back empty: sessions and refresh tokens are gone, users sign in again, the directory is intact', async () => {
        await redis.kill();
        redis.wipe();
        await redis.start({ appendOnly: false });
        await eventually(async () => expect(await readyStatus(cluster.node('a').url)).toBe(200), 15_000);
        expect(await oauthErrorOf(client.refreshTokenGrant(config, refreshToken))).toMatchObject({ error: 'invalid_grant' });
        const again = await signIn(new Browser(), config, { email: EMAIL, password: PASSWORD });
        expect(again.sawLogin).toBe(true);
        expect(again.tokens.access_token).toBeTruthy();
      });
    });
  });
});
