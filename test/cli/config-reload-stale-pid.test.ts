/**
 * `foyer config reload` without Redis signals the process named in the pid file. When the server
 * died without removing it (SIGKILL, a power cut), that number may now belong to another process,
 * which SIGHUP would end: the CLI refuses, says why, and signals nothing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runCli, tempConfig, type TempConfig } from './cli-harness.js';

describe.skipIf(!existsSync('/proc/self/stat'))('foyer config reload with a stale pid file', () => {
  let cfg: TempConfig;
  let bystander: ChildProcess | undefined;
  beforeAll(async () => {
    await ensureBuilt();
    cfg = tempConfig();
  }, 180_000);
  afterEach(() => {
    bystander?.kill('SIGKILL');
    bystander = undefined;
  });
  afterAll(() => cfg?.remove());

  const pidFile = () => join(cfg.dir, 'foyer.pid');
  const reload = () => runCli(['config', 'reload', '--timeout', '5'], { config: cfg.file });
  /** A process that a SIGHUP would end (no handler), so "still running" proves it got none. */
  function startBystander(args: string[]): Promise<ChildProcess> {
    const child = spawn(process.execPath, ['-e', 'process.stdout.write("up\\n"); setInterval(() => {}, 1000)', ...args], { stdio: ['ignore', 'pipe', 'ignore'] });
    bystander = child;
    return new Promise((resolve) => child.stdout!.once('data', () => resolve(child)));
  }
  const stillRunning = (child: ChildProcess) => child.exitCode === null && child.signalCode === null && process.kill(child.pid!, 0);

  it('refuses when the pid now belongs to a process that is not Foyer, and that process gets no signal', async () => {
    const other = await startBystander([]);
    writeFileSync(pidFile(), `${other.pid}\n`);
    const result = await reload();
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(new RegExp(`cannot signal the Foyer server through .*foyer\\.pid: process ${other.pid} is not a Foyer server .*the pid file is stale; nothing was signalled`));
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(stillRunning(other)).toBe(true);
    expect(existsSync(`${pidFile()}.reload.json`)).toBe(false);
  });

  it('refuses when the pid belongs to a Foyer-looking process that started after the pid file was written', async () => {
    writeFileSync(pidFile(), 'placeholder\n');
    // Looks like `node dist/src/main.js`, but got its number after the file was written.
    const later = await startBystander(['dist/src/main.js']);
    writeFileSync(pidFile(), `${later.pid}\n`);
    const hourAgo = new Date(Date.now() - 3_600_000);
    utimesSync(pidFile(), hourAgo, hourAgo);
    const result = await reload();
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(new RegExp(`process ${later.pid} started after the pid file was written, so it is not the server that wrote it`));
    expect(stillRunning(later)).toBe(true);
  });

  it('says so when no process has the number any more', async () => {
    const gone = await startBystander([]);
    gone.kill('SIGKILL');
    await new Promise((resolve) => gone.once('exit', resolve));
    writeFileSync(pidFile(), `${gone.pid}\n`);
    const result = await reload();
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(new RegExp(`no process ${gone.pid} is running \\(a stale pid file\\)`));
  });
});
