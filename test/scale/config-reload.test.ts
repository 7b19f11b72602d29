/**
 * `foyer config reload` on two Foyer processes sharing PostgreSQL and Redis: the CLI validates the
 * file and asks every node over Redis; each node reads the file itself, applies it (or keeps what
 * it runs) and answers. A member signed in before the reload stays signed in on both nodes.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import * as client from 'openid-client';
import { parse, stringify } from 'yaml';
import { Browser, errorCodeOf } from '../support/browserless.js';
import { signIn, spaClient, SPA_APP, startAuthorization, webAppClient } from '../support/oidc-client.js';
import { describeWithPostgres, describeWithRedis, freshPostgresSchema, redisDatabaseUrl, redisUrl } from '../support/real-servers.js';
import { DEMO_SECRET } from '../support/start-foyer.js';
import { daemonApp } from '../support/world.js';
import { ensureBuilt, runCli } from '../cli/cli-harness.js';
import { startCluster, type Cluster } from './support/cluster.js';

const REDIS_DB = 14;
const PASSWORD = 'correct horse battery staple';
const MEMBER = 'rita@contoso.example';
const blockSpa = { id: 'block-spa', displayName: 'No SPA', state: 'enabled', conditions: { users: { includeUsers: ['All'] }, applications: { includeApplications: ['spa-app'] } }, grantControls: { builtInControls: ['block'] } };

describeWithPostgres('config reload on several nodes', () => {
  describeWithRedis('on PostgreSQL and Redis', () => {
    const pg = freshPostgresSchema();
    let cluster: Cluster;
    let configFile: string;
    let browser: Browser;
    let refreshToken: string;
    let memberId: string;

    beforeAll(async () => {
      await ensureBuilt();
      cluster = await startCluster({ databaseUrl: pg.url, redisUrl: redisUrl(), redisDatabase: REDIS_DB });
      configFile = join(cluster.dir, 'foyer.yaml');
      memberId = await cluster.createMember(MEMBER, PASSWORD);
      // Signed in through node A before any reload.
      cluster.balancer.route = () => 'a';
      browser = new Browser();
      const first = await signIn(browser, await webAppClient(cluster.issuer), { email: MEMBER, password: PASSWORD });
      refreshToken = first.tokens.refresh_token!;
    }, 240_000);
    afterAll(() => cluster?.stop());

    const editConfig = (change: (raw: Record<string, unknown>) => void) => {
      const raw = parse(readFileSync(configFile, 'utf8')) as Record<string, unknown>;
      change(raw);
      writeFileSync(configFile, stringify(raw));
    };
    const on = (node: string) => {
      cluster.balancer.route = () => node;
    };
    const tokenStatus = async (appId: string) =>
      (await fetch(`${cluster.issuer}/token`, { method: 'POST', headers: { authorization: `Basic ${Buffer.from(`${appId}:${DEMO_SECRET}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' })).status;
    const versionOf = async (node: string) => ((await (await fetch(`${cluster.node(node).url}/readyz`)).json()) as { configVersion: string }).configVersion;
    const reloadRows = (activity: string) => cluster.db('audit_log').where({ activity });
    const reload = () => runCli(['config', 'reload', '--timeout', '30'], { config: configFile, env: { DATABASE_URL: pg.url, REDIS_URL: redisDatabaseUrl(redisUrl()!, REDIS_DB) } });

    async function stillSignedIn(node: string): Promise<void> {
      on(node);
      const sso = await signIn(browser, await webAppClient(cluster.issuer), { email: MEMBER, password: PASSWORD });
      expect(sso.sawLogin, `node ${node} asked the member to sign in again`).toBe(false);
      expect(sso.tokens.claims()!.sub).toBe(memberId);
    }

    it('applies a new app and a changed policy on every node, and the member stays signed in', async () => {
      const before = await versionOf('a');
      expect(await versionOf('b')).toBe(before);
      for (const node of ['a', 'b']) {
        on(node);
        expect(await tokenStatus('reports-app')).toBe(401);
      }

      editConfig((raw) => {
        (raw.apps as unknown[]).push(daemonApp('reports-app', []));
        raw.conditionalAccess = [blockSpa];
      });
      const result = await reload();
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const version = /configuration is valid: version ([0-9a-f]{12})/.exec(result.stdout)![1]!;
      expect(result.stdout.match(new RegExp(`: applied, now serving version ${version}`, 'g'))).toHaveLength(2);

      for (const node of ['a', 'b']) {
        expect(await versionOf(node)).toBe(version);
        on(node);
        expect(await tokenStatus('reports-app'), `node ${node}`).toBe(200);
        await stillSignedIn(node);
        // The new policy holds on this node, for the session from before the reload.
        const spa = await spaClient(cluster.issuer);
        const blocked = await browser.navigate((await startAuthorization(spa, { redirect_uri: SPA_APP.redirectUri })).url.href, { stopAt: [SPA_APP.redirectUri] });
        expect(errorCodeOf(blocked.body), `node ${node}`).toBe('blockedByConditionalAccess');
      }
      on('b');
      expect((await client.refreshTokenGrant(await webAppClient(cluster.issuer), refreshToken)).access_token).toBeTruthy();

      const applied = await reloadRows('config.reloaded');
      expect(applied).toHaveLength(2);
      expect(new Set(applied.map((r) => r.actor_id)).size).toBe(2);
      for (const row of applied) expect(JSON.parse(row.details as string)).toMatchObject({ trigger: 'foyer config reload', result: 'applied', version, previousVersion: before });
    });

    it('a file that does not validate is refused by the CLI and never reaches the nodes', async () => {
      const running = await versionOf('a');
      const good = readFileSync(configFile, 'utf8');
      try {
        editConfig((raw) => void ((raw.apps as Record<string, unknown>[])[0]!.redirectUris = ['not a url']));
        const result = await reload();
        expect(result.code).not.toBe(0);
        expect(result.stderr).toMatch(/foyer\.yaml: apps\[0\]\.redirectUris\[0\]: is not a valid URL/);
        expect(await reloadRows('config.reloadRejected')).toHaveLength(0);
        expect(await reloadRows('config.reloaded')).toHaveLength(2);
        for (const node of ['a', 'b']) expect(await versionOf(node)).toBe(running);
      } finally {
        writeFileSync(configFile, good);
      }
    });

    it('a change only a restart can apply is refused by each node, which says why and keeps serving', async () => {
      const running = await versionOf('a');
      const good = readFileSync(configFile, 'utf8');
      try {
        editConfig((raw) => {
          raw.keys = { algorithm: 'RS256' };
          (raw.apps as unknown[]).push(daemonApp('late-app', []));
        });
        const result = await reload();
        expect(result.code).toBe(2);
        expect(result.stdout.match(new RegExp(`: rejected, still serving version ${running}:\\n  keys\\.algorithm: changed from "ES256" to "RS256"; .*needs a restart`, 'g'))).toHaveLength(2);
        expect(result.stderr).toMatch(/2 of 2 node\(s\) kept their running config/);

        const rejected = await reloadRows('config.reloadRejected');
        expect(rejected).toHaveLength(2);
        for (const row of rejected) expect(row).toMatchObject({ result: 'failure', result_reason: expect.stringMatching(/^keys\.algorithm: changed/) });
        for (const node of ['a', 'b']) {
          expect(await versionOf(node)).toBe(running);
          on(node);
          expect(await tokenStatus('late-app'), `node ${node}`).toBe(401);
          expect(await tokenStatus('reports-app'), `node ${node}`).toBe(200);
          await stillSignedIn(node);
        }
      } finally {
        writeFileSync(configFile, good);
      }
    });
  });
});
