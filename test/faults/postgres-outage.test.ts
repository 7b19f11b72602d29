/**
 * PostgreSQL becomes unreachable under a running node (a TCP relay in front of the shared server
 * is cut, so only this node's connections fail). Foyer reports not ready, answers 503 quickly,
 * and serves again by itself when the database is back; committed data and the sessions in Redis
 * survive.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import * as client from 'openid-client';
import { api, appToken } from '../support/api-client.js';
import { Browser, leakedInternals } from '../support/browserless.js';
import { isIdentifyPage, signIn, startAuthorization, webAppClient, WEB_APP } from '../support/oidc-client.js';
import { describeWithPostgres, describeWithRedis, freshPostgresSchema, redisUrl } from '../support/real-servers.js';
import { startCluster, type Cluster } from '../scale/support/cluster.js';
import { tcpRelay, type TcpRelay } from '../support/tcp-relay.js';
import { eventually, rawRefresh, readyStatus, timed } from './support/timed.js';
import { DEMO_SECRET } from '../support/start-foyer.js';

const PASSWORD = 'correct horse battery staple';
const EMAIL = 'member.pg@contoso.example';
const CLEAN_FAILURE_MS = 8_000;
const REDIS_DB = 11;

describeWithPostgres('PostgreSQL outage under a running node', () => {
  describeWithRedis('with Redis', () => {
    const pg = freshPostgresSchema();
    let relay: TcpRelay;
    let cluster: Cluster;
    let config: client.Configuration;
    let refreshToken: string;
    let apiToken: string;

    beforeAll(async () => {
      const target = new URL(pg.url);
      relay = await tcpRelay(target.hostname, Number(target.port || 5432));
      await relay.start();
      const viaRelay = new URL(pg.url);
      viaRelay.port = String(relay.port);
      cluster = await startCluster({ databaseUrl: viaRelay.toString(), redisUrl: redisUrl(), redisDatabase: REDIS_DB, nodes: ['a'] });
      await cluster.createMember(EMAIL, PASSWORD);
      config = await webAppClient(cluster.issuer);
      const { tokens } = await signIn(new Browser(), config, { email: EMAIL, password: PASSWORD });
      refreshToken = tokens.refresh_token!;
      apiToken = await appToken(cluster.issuer, 'portal-app');
    }, 90_000);
    afterAll(async () => {
      await cluster?.stop();
      await relay?.close();
    });

    it('while the database is unreachable: /readyz 503, sign-in and API requests answer 503 within seconds; a refresh the node can answer from its current copy of the account is served', async () => {
      await relay.cut();
      const node = cluster.node('a').url;
      await eventually(async () => expect(await readyStatus(node)).toBe(503), 8_000);
      expect((await fetch(`${node}/healthz`)).status).toBe(200);

      // The sign-in starts (its state is in Redis) and fails cleanly where it needs the directory.
      const browser = new Browser();
      const pending = await startAuthorization(config);
      const first = await timed(() => browser.navigate(pending.url.href, { stopAt: [WEB_APP.redirectUri] }));
      expect(first.ms).toBeLessThan(CLEAN_FAILURE_MS);
      expect(isIdentifyPage(first.value!)).toBe(true);
      const identify = await timed(() => browser.submit(first.value!, { email: EMAIL }));
      expect(identify.ms).toBeLessThan(CLEAN_FAILURE_MS);
      expect(identify.value?.status).toBe(503);
      expect(identify.value?.headers.get('retry-after')).toBeTruthy();
      expect(leakedInternals(identify.value!.body)).toBeUndefined();

      // The refresh token is in Redis, and the node read this account less than 30 s ago with no
      // write of it since (its version in Redis says so: src/directory/user-cache.ts), so the grant
      // needs nothing from PostgreSQL. The token rotates; the next test goes on with the new one.
      const refresh = await timed(() => rawRefresh(cluster.issuer, refreshToken, DEMO_SECRET));
      expect(refresh.ms).toBeLessThan(CLEAN_FAILURE_MS);
      expect(refresh.value).toMatchObject({ status: 200, body: { token_type: 'Bearer' } });
      refreshToken = (refresh.value!.body as { refresh_token: string }).refresh_token;
      expect(refreshToken).toBeTruthy();

      const list = await timed(() => api(cluster.issuer, apiToken, 'GET', '/invitations'));
      expect(list.ms).toBeLessThan(CLEAN_FAILURE_MS);
      expect(list.value?.status).toBe(503);
      expect(list.value?.body).toMatchObject({ error: { code: 'serviceUnavailable' } });
      expect(cluster.node('a').child.exitCode).toBeNull();
    }, 60_000);

    it('when the database is back, the node serves again by itself and nothing was lost', async () => {
      await relay.start();
      await eventually(async () => expect(await readyStatus(cluster.node('a').url)).toBe(200), 20_000);
      // The refresh token (Redis) and the account (PostgreSQL) are both still there.
      const refreshed = await eventually(() => client.refreshTokenGrant(config, refreshToken), 10_000);
      expect(refreshed.access_token).toBeTruthy();
      const again = await signIn(new Browser(), config, { email: EMAIL, password: PASSWORD });
      expect(again.tokens.access_token).toBeTruthy();
    }, 60_000);
  });
});
