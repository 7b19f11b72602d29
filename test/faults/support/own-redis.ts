/**
 * A Redis server of the test's own (never the shared one on 6379, which other suites use), so a
 * test can kill it and bring it back. Without persistence unless asked for (AOF, fsync always).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../support/start-foyer.js';

export function redisServerAvailable(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

export interface OwnRedis {
  port: number;
  url: string;
  start(opts?: { appendOnly?: boolean }): Promise<void>;
  /** SIGKILL: no save, no goodbye. */
  kill(): Promise<void>;
  /** Forgets the append-only file, as a server restarted without persistence would. */
  wipe(): void;
  close(): Promise<void>;
}

export async function ownRedis(): Promise<OwnRedis> {
  const port = await freePort();
  let dir = mkdtempSync(join(tmpdir(), 'foyer-redis-'));
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  const ping = () =>
    new Promise<boolean>((resolve) => {
      const r = spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), 'ping'], { encoding: 'utf8', timeout: 2000 });
      resolve(r.stdout?.trim() === 'PONG');
    });

  const own: OwnRedis = {
    port,
    url: `redis://127.0.0.1:${port}`,
    async start(opts = {}) {
      const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir, '--daemonize', 'no', '--loglevel', 'warning'];
      args.push(...(opts.appendOnly ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']));
      child = spawn('redis-server', args, { stdio: 'ignore' });
      exited = new Promise((resolve) => child!.once('exit', () => resolve()));
      const deadline = Date.now() + 10_000;
      while (!(await ping())) {
        if (Date.now() > deadline) throw new Error(`redis-server did not start on port ${port}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async kill() {
      child?.kill('SIGKILL');
      await exited;
    },
    wipe() {
      rmSync(dir, { recursive: true, force: true });
      dir = mkdtempSync(join(tmpdir(), 'foyer-redis-'));
    },
    async close() {
      await own.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return own;
}
