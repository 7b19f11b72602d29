/**
 * A config reload on one node (in this process, SQLite): a valid change is applied without a
 * restart while a signed-in member stays signed in; a bad file, or a change only a restart can
 * apply, leaves the node serving what it served, and says why. Multi-node: test/scale/config-reload.test.ts;
 * SIGHUP and the CLI on the real server process: test/cli/config-reload.test.ts.
 */
import { request } from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import * as client from 'openid-client';
import { parse, stringify } from 'yaml';
import { errorCodeOf } from '../support/browserless.js';
import { isConsentPage, signedInWebApp, signIn, spaClient, SPA_APP, startAuthorization } from '../support/oidc-client.js';
import { DEMO_SECRET } from '../support/start-foyer.js';
import { daemonApp, PASSWORD, useWorld } from '../support/world.js';

const MEMBER = 'mia@contoso.example';
const API = 'https://api.contoso.example';
const blockSpa = { id: 'block-spa', displayName: 'No SPA', state: 'enabled', conditions: { users: { includeUsers: ['All'] }, applications: { includeApplications: ['spa-app'] } }, grantControls: { builtInControls: ['block'] } };

describe('config reload', () => {
  const world = useWorld({ members: [MEMBER] });

  function editConfig(change: (raw: Record<string, unknown>) => void): void {
    const raw = parse(readFileSync(world.foyer.configFile, 'utf8')) as Record<string, unknown>;
    change(raw);
    writeFileSync(world.foyer.configFile, stringify(raw));
  }
  const tokenStatus = (appId: string) => clientCredentials(world.issuer, appId).then((r) => r.status);
  const servedVersion = async () => ((await (await fetch(`${world.issuer}/readyz`)).json()) as { configVersion: string }).configVersion;
  const auditRows = (activity: string) => world.foyer.foyer.db('audit_log').where({ activity }).orderBy('activity_at');

  it('applies a new app, a changed policy and new branding at once, and a signed-in member stays signed in', async () => {
    const { browser, config, tokens } = await signedInWebApp(world.issuer, MEMBER, PASSWORD);
    const before = await servedVersion();
    expect(before).toBe(world.foyer.foyer.config.version);
    expect(await tokenStatus('reports-app')).toBe(401);
    const spa = await spaClient(world.issuer);
    const consent = await browser.navigate((await startAuthorization(spa, { redirect_uri: SPA_APP.redirectUri })).url.href, { stopAt: [SPA_APP.redirectUri] });
    expect(isConsentPage(consent)).toBe(true);

    editConfig((raw) => {
      (raw.apps as unknown[]).push(daemonApp('reports-app', []));
      raw.conditionalAccess = [blockSpa];
      (raw.tenant as Record<string, unknown>).displayName = 'Contoso Renamed';
    });
    const report = await world.foyer.foyer.reload();
    expect(report).toMatchObject({ result: 'applied', problems: [], node: world.foyer.foyer.nodeId });
    expect(report.version).not.toBe(before);
    expect(await servedVersion()).toBe(report.version);

    expect(await tokenStatus('reports-app')).toBe(200);
    // Single sign-on with the session from before the reload, and the refresh token from before too.
    const again = await signIn(browser, config, { email: MEMBER, password: PASSWORD });
    expect(again.sawLogin).toBe(false);
    expect(again.tokens.claims()!.sub).toBe(tokens.claims()!.sub);
    expect((await client.refreshTokenGrant(config, tokens.refresh_token!)).access_token).toBeTruthy();
    // The new policy blocks the SPA for the same session; the new name is on the pages.
    const blocked = await browser.navigate((await startAuthorization(spa, { redirect_uri: SPA_APP.redirectUri })).url.href, { stopAt: [SPA_APP.redirectUri] });
    expect(errorCodeOf(blocked.body)).toBe('blockedByConditionalAccess');
    expect(blocked.body).toContain('Contoso Renamed');

    const [audited] = await auditRows('config.reloaded');
    expect(audited).toMatchObject({ result: 'success', actor_type: 'system', actor_id: world.foyer.foyer.nodeId, target_id: report.version });
    expect(JSON.parse(audited.details as string)).toMatchObject({ result: 'applied', version: report.version, previousVersion: before, trigger: 'test' });

    const metrics = await (await fetch(`${world.issuer}/metrics`)).text();
    expect(metrics).toContain(`foyer_config_info{version="${report.version}"} 1`);
    expect(metrics).not.toContain(`foyer_config_info{version="${before}"}`);
    expect(metrics).toMatch(/foyer_config_reloads_total\{result="applied"\} 1/);

    // The same files again: nothing to rebuild.
    expect(await world.foyer.foyer.reload()).toMatchObject({ result: 'unchanged', version: report.version });
  });

  it('keeps serving the running config when the file does not validate, and says where and why', async () => {
    const running = await servedVersion();
    const good = readFileSync(world.foyer.configFile, 'utf8');
    const rejectedBefore = (await auditRows('config.reloadRejected')).length;
    try {
      editConfig((raw) => {
        const apps = raw.apps as Record<string, unknown>[];
        apps[0]!.redirectUris = ['not a url'];
        apps.push(daemonApp('late-app', []));
      });
      const report = await world.foyer.foyer.reload();
      expect(report.result).toBe('rejected');
      expect(report.version).toBe(running);
      expect(report.problems).toEqual([expect.stringMatching(/foyer\.yaml: apps\[0\]\.redirectUris\[0\]: is not a valid URL/)]);
      expect(await servedVersion()).toBe(running);
      expect(await tokenStatus('late-app')).toBe(401);
      expect(await tokenStatus('reports-app')).toBe(200);

      writeFileSync(world.foyer.configFile, `${good}\napps: [\n`);
      expect((await world.foyer.foyer.reload()).problems.join('\n')).toMatch(/foyer\.yaml: line \d+, column \d+: YAML syntax error/);

      const rejected = await auditRows('config.reloadRejected');
      expect(rejected).toHaveLength(rejectedBefore + 2);
      expect(rejected[rejectedBefore]).toMatchObject({ result: 'failure', result_reason: expect.stringMatching(/is not a valid URL/) });
    } finally {
      writeFileSync(world.foyer.configFile, good);
    }
  });

  it('refuses a change only a restart can apply, naming the setting, and applies none of the rest', async () => {
    const running = await servedVersion();
    const good = readFileSync(world.foyer.configFile, 'utf8');
    try {
      editConfig((raw) => {
        raw.keys = { algorithm: 'RS256' };
        raw.storage = { ...(raw.storage as object), databaseUrl: 'postgres://admin:hunter2@db.example/foyer' };
        (raw.apps as unknown[]).push(daemonApp('late-app', []));
      });
      const report = await world.foyer.foyer.reload();
      expect(report.result).toBe('rejected');
      expect(report.problems).toEqual([
        expect.stringMatching(/^storage\.databaseUrl: changed; .*needs a restart/),
        expect.stringMatching(/^keys\.algorithm: changed from "ES256" to "RS256"; .*needs a restart/),
      ]);
      // A storage URL may carry a password: it is named, never shown.
      expect(JSON.stringify(report)).not.toContain('hunter2');
      expect(await servedVersion()).toBe(running);
      expect(await tokenStatus('late-app')).toBe(401);
    } finally {
      writeFileSync(world.foyer.configFile, good);
    }
  });

  it('refuses a file that only the directory can find wrong (an access review of a group that does not exist), and applies none of it', async () => {
    const running = await servedVersion();
    const good = readFileSync(world.foyer.configFile, 'utf8');
    try {
      editConfig((raw) => {
        raw.accessReviews = [{ id: 'team', displayName: 'Team', scope: { group: '00000000-0000-4000-8000-000000000000' }, reviewers: ['groupOwners'], recurrence: { every: '90d' }, durationInDays: 14 }];
        (raw.apps as unknown[]).push(daemonApp('late-app', []));
      });
      const report = await world.foyer.foyer.reload();
      expect(report).toMatchObject({ result: 'rejected', version: running, problems: [expect.stringMatching(/accessReviews\[0\]\.scope\.group: unknown group/)] });
      expect(report.fileVersion).not.toBe(running);
      expect(await servedVersion()).toBe(running);
      expect(await tokenStatus('late-app')).toBe(401);
      expect(await tokenStatus('reports-app')).toBe(200);
    } finally {
      writeFileSync(world.foyer.configFile, good);
    }
  });

  it('gives the next grant the permissions and resource scopes of a reloaded config (kept per composition)', async () => {
    const tokenFor = async (scope: string) => {
      const res = await fetch(`${world.issuer}/token`, {
        method: 'POST',
        headers: { authorization: basic('daemon-app'), 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', resource: API, scope }),
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { access_token: string; scope: string };
      return { scope: body.scope, payload: decodeJwt(body.access_token) };
    };
    // Twice before the reload: the second token is built from what the first one's composition kept.
    for (let i = 0; i < 2; i++) {
      const before = await tokenFor('read write');
      expect(before.scope).toBe('read write');
      expect(before.payload).toMatchObject({ aud: API, idtyp: 'app', roles: [] });
    }

    editConfig((raw) => {
      const daemon = (raw.apps as { id: string; permissions?: string[] }[]).find((a) => a.id === 'daemon-app')!;
      daemon.permissions = ['User.Read.All'];
      (raw.apps as unknown[]).push(daemonApp('inviting-app', ['User.Invite.All']));
      raw.resourceServers = [{ identifier: API, scopes: ['read'] }];
    });
    expect((await world.foyer.foyer.reload()).result).toBe('applied');

    const after = await tokenFor('read write');
    expect(after.scope).toBe('read');
    expect(after.payload).toMatchObject({ aud: API, idtyp: 'app', roles: ['User.Read.All'], scope: 'read' });
    // Another app's token still lists only its own permissions.
    const other = await fetch(`${world.issuer}/token`, {
      method: 'POST',
      headers: { authorization: basic('inviting-app'), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', resource: API, scope: 'read' }),
    });
    expect(decodeJwt(((await other.json()) as { access_token: string }).access_token)).toMatchObject({ roles: ['User.Invite.All'] });
  });

  it('gives the next grant the access token lifetime of a reloaded config, for client credentials and for a refresh begun before the reload', async () => {
    const lifetime = (tokens: { access_token: string; expires_in?: number }) => {
      const jwt = decodeJwt(tokens.access_token);
      return { expiresIn: tokens.expires_in, jwt: jwt.exp! - jwt.iat!, aud: jwt.aud };
    };
    const daemonTokens = async () => {
      const res = await fetch(`${world.issuer}/token`, {
        method: 'POST',
        headers: { authorization: basic('daemon-app'), 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', resource: API, scope: 'read' }),
      });
      expect(res.status).toBe(200);
      return (await res.json()) as { access_token: string; expires_in: number };
    };
    // The API sets no lifetime yet: the default hour.
    expect(lifetime(await daemonTokens())).toEqual({ expiresIn: 3600, jwt: 3600, aud: API });
    const { config, tokens } = await signedInWebApp(world.issuer, MEMBER, PASSWORD, { resource: API, scope: 'openid email profile read' });
    expect(lifetime(tokens)).toEqual({ expiresIn: 3600, jwt: 3600, aud: API });

    editConfig((raw) => void (raw.resourceServers = [{ identifier: API, scopes: ['read', 'write'], accessTokenTtlSeconds: 120 }]));
    expect((await world.foyer.foyer.reload()).result).toBe('applied');

    expect(lifetime(await daemonTokens())).toEqual({ expiresIn: 120, jwt: 120, aud: API });
    expect(lifetime(await client.refreshTokenGrant(config, tokens.refresh_token!))).toEqual({ expiresIn: 120, jwt: 120, aud: API });
  });

  it('lets a request that began before the swap finish on the config it began with', async () => {
    editConfig((raw) => void (raw.apps as unknown[]).push(daemonApp('racing-app', [])));
    // The request's headers reach the node (so it is dispatched) before its body is sent.
    const dispatched = new Promise<void>((resolve) => world.foyer.server.once('request', () => resolve()));
    const pending = clientCredentialsHeld(world.issuer, 'racing-app');
    await dispatched;
    expect((await world.foyer.foyer.reload()).result).toBe('applied');
    // Begun on the old composition, which had no racing-app; a request after the swap gets a token.
    expect((await pending.finish()).status).toBe(401);
    expect(await tokenStatus('racing-app')).toBe(200);
  });
});

function basic(appId: string): string {
  return `Basic ${Buffer.from(`${appId}:${DEMO_SECRET}`).toString('base64')}`;
}

function clientCredentials(issuer: string, appId: string): Promise<Response> {
  return fetch(`${issuer}/token`, { method: 'POST', headers: { authorization: basic(appId), 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' });
}

/** A token request whose body is held back until finish(). */
function clientCredentialsHeld(issuer: string, appId: string): { finish(): Promise<{ status: number }> } {
  const body = 'grant_type=client_credentials';
  const url = new URL(`${issuer}/token`);
  const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { authorization: basic(appId), 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(body.length) } });
  const status = new Promise<{ status: number }>((resolve, reject) => {
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
    });
    req.on('error', reject);
  });
  req.write(body.slice(0, 5));
  return {
    finish() {
      req.end(body.slice(5));
      return status;
    },
  };
}
