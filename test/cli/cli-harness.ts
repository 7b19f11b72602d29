/**
 * Runs the real `foyer` command (bin/foyer.js → the compiled dist/) as a child process against a
 * throwaway config and SQLite file, the way an operator would.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import { projectRoot } from '../../src/lib/project-root.js';

export const BIN = join(projectRoot, 'bin/foyer.js');
export const DAEMON_SECRET = 'daemon-secret-0123456789-abcdefghijklmnop';
export const API = 'https://api.contoso.example';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The variables the config loader reads; a developer's shell must not leak them into a test. */
const CONFIG_ENV = ['FOYER_CONFIG', 'PORT', 'DATABASE_URL', 'REDIS_URL', 'LOG_LEVEL', 'FOYER_ISSUER', 'DEMO_APP_SECRET'];

export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of CONFIG_ENV) delete env[name];
  return { ...env, ...extra };
}

export function runCli(args: string[], opts: { config?: string; input?: string; cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  return runProcess(process.execPath, [BIN, ...args], {
    cwd: opts.cwd ?? projectRoot,
    env: cleanEnv({ ...(opts.config ? { FOYER_CONFIG: opts.config } : {}), ...opts.env }),
    input: opts.input,
  });
}

export function runProcess(
  command: string,
  args: string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv; input?: string; timeoutMs?: number },
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: opts.cwd, env: opts.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}

export interface TempConfig {
  dir: string;
  file: string;
  databaseUrl: string;
  remove(): void;
}

/** A valid config in a fresh temp dir, with its own SQLite file; `customize` edits the plain object. */
export function tempConfig(customize: (raw: Record<string, unknown>) => void = () => {}): TempConfig {
  const dir = mkdtempSync(join(tmpdir(), 'foyer-cli-'));
  const databaseUrl = `sqlite:${join(dir, 'foyer.sqlite')}`;
  const raw: Record<string, unknown> = {
    tenant: { displayName: 'Contoso CLI test', memberDomains: ['contoso.example'] },
    server: { port: 3000, logLevel: 'silent', shutdownGraceSeconds: 1 },
    storage: { databaseUrl },
    apps: [{ id: 'daemon-app', displayName: 'Daemon', clientSecret: DAEMON_SECRET, grantTypes: ['client_credentials'] }],
    resourceServers: [{ identifier: API, scopes: ['read'] }],
  };
  customize(raw);
  const file = join(dir, 'foyer.yaml');
  writeFileSync(file, stringify(raw));
  return { dir, file, databaseUrl, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * bin/foyer.js runs dist/, so a test of the CLI must not run yesterday's build: rebuild when any
 * source is newer than the last build. Test files run in parallel processes, so a lock directory
 * makes sure only one of them builds. The bundle only (scripts/bundle.mjs, a second or two):
 * `npm run build`'s typecheck is the typecheck's business, not the CLI tests'.
 */
export async function ensureBuilt(): Promise<void> {
  const stamp = join(projectRoot, 'dist/.cli-test-build');
  const lock = join(projectRoot, 'dist/.cli-test-build.lock');
  for (;;) {
    if (!isStale(stamp)) return;
    mkdirSync(join(projectRoot, 'dist'), { recursive: true });
    try {
      mkdirSync(lock);
    } catch {
      // Someone else is building; a lock older than two minutes belongs to a process that died.
      if (Date.now() - safeMtime(lock) > 120_000) rmSync(lock, { recursive: true, force: true });
      await sleep(250);
      continue;
    }
    try {
      const started = Date.now();
      const build = spawnSync(process.execPath, ['scripts/bundle.mjs'], { cwd: projectRoot, encoding: 'utf8' });
      if (build.status !== 0 || !existsSync(join(projectRoot, 'dist/src/cli/index.js'))) throw new Error(`the build (scripts/bundle.mjs) failed:\n${build.stdout}${build.stderr}`);
      writeFileSync(stamp, '');
      const at = new Date(started);
      utimesSync(stamp, at, at);
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
    return;
  }
}

function isStale(stamp: string): boolean {
  if (!existsSync(join(projectRoot, 'dist/src/cli/index.js')) || !existsSync(stamp)) return true;
  const built = safeMtime(stamp);
  return ['src', 'migrations'].some((dir) => newestMtime(join(projectRoot, dir)) > built);
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : safeMtime(path));
  }
  return newest;
}

function safeMtime(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}
