import { describe, expect, it, beforeAll } from 'vitest';
import { projectRoot } from '../../src/lib/project-root.js';
import { cleanEnv, ensureBuilt, runCli, runProcess } from './cli-harness.js';

const COMMANDS = ['migrate', 'config', 'keys', 'users'];

describe('foyer help and mistakes', () => {
  beforeAll(() => ensureBuilt());

  it('--help lists the commands and exits 0', async () => {
    const result = await runCli(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: foyer \[options\] \[command\]/);
    for (const command of COMMANDS) expect(result.stdout).toMatch(new RegExp(`^\\s+${command}\\b`, 'm'));
  });

  it('an unknown command exits 2 and prints the error and the help text', async () => {
    const result = await runCli(['frobnicate']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/error: unknown command 'frobnicate'/);
    expect(result.stderr).toMatch(/Usage: foyer \[options\] \[command\]/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('an unknown subcommand exits 2 and shows that command\'s help', async () => {
    const result = await runCli(['keys', 'shred']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/Usage: foyer keys \[options\] \[command\]/);
  });

  it('`npx foyer --help` runs the package bin from the project root, without the registry', async () => {
    // --no-install and offline: if npx did not resolve the local bin it must fail, not download a
    // stranger's package called "foyer".
    const result = await runProcess('npx', ['--no-install', 'foyer', '--help'], {
      cwd: projectRoot,
      env: cleanEnv({ npm_config_offline: 'true', npm_config_update_notifier: 'false' }),
      timeoutMs: 60_000,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^Usage: foyer \[options\] \[command\]/);
  });
});
