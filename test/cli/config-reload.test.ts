/**
 * `foyer config reload` and SIGHUP on the real server process (`npm start`'s dist/src/main.js) with
 * SQLite and no Redis: the CLI validates the file, signals the server through its pid file and
 * prints what the server did; a bad file is refused by the CLI (nothing is signalled) and, sent by
 * SIGHUP directly, by the server, which keeps serving its config and says why.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { connectDatabase, type Database } from '../../src/db/connect.js';
import { eventually } from '../faults/support/timed.js';
import { startFoyerProcess, type FoyerProcess } from '../scale/support/foyer-process.js';
import { freePort } from '../support/start-foyer.js';
import { cleanEnv, DAEMON_SECRET, ensureBuilt, runCli, tempConfig, type TempConfig } from './cli-harness.js';

describe('foyer config reload and SIGHUP (one node, SQLite)', () => {
  let cfg: TempConfig;
  let server: FoyerProcess;
  let db: Database;
  let port: number;

  beforeAll(async () => {
    await ensureBuilt();
    cfg = tempConfig();
    port = await freePort();
    server = await startFoyerProcess({ name: 'single', port, configFile: cfg.file, entry: ['dist/src/main.js'], env: cleanEnv({ FOYER_CONFIG: cfg.file, PORT: String(port), LOG_LEVEL: 'info' }) });
    db = connectDatabase(cfg.databaseUrl);
  }, 180_000);
  afterAll(async () => {
    await server?.stop();
    await db?.destroy();
    cfg?.remove();
  });

  const editConfig = (change: (raw: Record<string, unknown>) => void) => {
    const raw = parse(readFileSync(cfg.file, 'utf8')) as Record<string, unknown>;
    change(raw);
    writeFileSync(cfg.file, stringify(raw));
  };
  const addApp = (id: string) => editConfig((raw) => void (raw.apps as unknown[]).push({ id, displayName: id, clientSecret: DAEMON_SECRET, grantTypes: ['client_credentials'] }));
  const tokenStatus = async (appId: string) =>
    (await fetch(`${server.url}/token`, { method: 'POST', headers: { authorization: `Basic ${Buffer.from(`${appId}:${DAEMON_SECRET}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' })).status;
  const servedVersion = async () => ((await (await fetch(`${server.url}/readyz`)).json()) as { configVersion: string }).configVersion;
  const reloadRows = () => db('audit_log').whereIn('activity', ['config.reloaded', 'config.reloadRejected']).orderBy('activity_at');
  const reload = () => runCli(['config', 'reload', '--timeout', '20'], { config: cfg.file, env: { PORT: String(port) } });

  it('writes its pid beside the SQLite file, and the CLI reloads the server through it', async () => {
    expect(readFileSync(join(cfg.dir, 'foyer.pid'), 'utf8').trim()).toBe(String(server.child.pid));
    const before = await servedVersion();
    expect(await tokenStatus('reports-app')).toBe(401);

    addApp('reports-app');
    const result = await reload();
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const version = /configuration is valid: version ([0-9a-f]{12})/.exec(result.stdout)?.[1];
    expect(version).toBeDefined();
    expect(version).not.toBe(before);
    expect(result.stdout).toMatch(new RegExp(`node \\S+:${server.child.pid}:\\S+: applied, now serving version ${version}`));
    expect(await servedVersion()).toBe(version);
    expect(await tokenStatus('reports-app')).toBe(200);

    // The same files again: the node answers (in the file beside its pid file) and audits nothing.
    const rows = (await reloadRows()).length;
    const again = await reload();
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(new RegExp(`node \\S+:${server.child.pid}:\\S+: unchanged, serving version ${version}`));
    expect(await reloadRows()).toHaveLength(rows);
  });

  it('refuses a bad file in the CLI, with the file, the key and the problem, and does not disturb the server', async () => {
    const running = await servedVersion();
    const good = readFileSync(cfg.file, 'utf8');
    const rows = (await reloadRows()).length;
    try {
      editConfig((raw) => void ((raw.apps as Record<string, unknown>[])[0]!.grantTypes = ['password']));
      const result = await reload();
      expect(result.code).not.toBe(0);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/foyer\.yaml: apps\[0\]\.grantTypes\[0\]: must be one of/);
      expect(result.stderr).not.toMatch(/\n\s+at /);
      expect(await reloadRows()).toHaveLength(rows);
      expect(await servedVersion()).toBe(running);
    } finally {
      writeFileSync(cfg.file, good);
    }
  });

  it('on SIGHUP with a bad file keeps serving its config, and logs and audits why', async () => {
    const running = await servedVersion();
    const good = readFileSync(cfg.file, 'utf8');
    const rows = (await reloadRows()).length;
    try {
      editConfig((raw) => {
        (raw.server as Record<string, unknown>).shutdownGraceSeconds = 'soon';
        (raw.apps as unknown[]).push({ id: 'late-app', displayName: 'Late', clientSecret: DAEMON_SECRET, grantTypes: ['client_credentials'] });
      });
      server.child.kill('SIGHUP');
      const rejected = await eventually(async () => {
        const all = await reloadRows();
        expect(all).toHaveLength(rows + 1);
        return all.at(-1)!;
      }, 15_000);
      expect(rejected).toMatchObject({ activity: 'config.reloadRejected', result: 'failure', result_reason: expect.stringMatching(/foyer\.yaml: server\.shutdownGraceSeconds: must be a number/) });
      expect(JSON.parse(rejected.details as string)).toMatchObject({ trigger: 'SIGHUP', result: 'rejected', version: running });
      expect(server.child.exitCode).toBeNull();
      expect(await servedVersion()).toBe(running);
      expect(await tokenStatus('late-app')).toBe(401);
      expect(await tokenStatus('reports-app')).toBe(200);
      // Log lines are written in batches (up to a second late on a quiet node).
      await eventually(async () => expect(server.output()).toMatch(/config reload rejected: still serving version .*server\.shutdownGraceSeconds: must be a number/), 10_000);
    } finally {
      writeFileSync(cfg.file, good);
    }
  });

  it('on SIGHUP with a good file applies it', async () => {
    const running = await servedVersion();
    addApp('late-app');
    server.child.kill('SIGHUP');
    const version = await eventually(async () => {
      const served = await servedVersion();
      expect(served).not.toBe(running);
      return served;
    }, 15_000);
    expect(await tokenStatus('late-app')).toBe(200);
    const [last] = (await reloadRows()).slice(-1);
    expect(last).toMatchObject({ activity: 'config.reloaded', target_id: version });
  });

  it('removes its pid file when it stops, and then the CLI says there is no server to reload', async () => {
    await server.stop();
    expect(existsSync(join(cfg.dir, 'foyer.pid'))).toBe(false);
    expect(existsSync(join(cfg.dir, 'foyer.pid.reload.json'))).toBe(false);
    const result = await reload();
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/cannot signal the Foyer server through .*foyer\.pid: there is no pid file/);
  });
});
