import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/lib/project-root.js';
import { BIN, cleanEnv, ensureBuilt, runProcess } from './cli-harness.js';

/**
 * Issue 20: `foyer --help` and `--version` answer from the command table alone. A probe loaded with
 * --import records every module the process loads (module.registerHooks sees ESM and CommonJS
 * alike) and writes the list when it exits; no timing is asserted, only what was loaded.
 */
const PROBE = `
import { registerHooks } from 'node:module';
import { writeFileSync } from 'node:fs';
const loaded = [];
registerHooks({ load(url, context, next) { loaded.push(url); return next(url, context); } });
process.on('exit', () => writeFileSync(process.env.LOADED_MODULES_FILE, JSON.stringify(loaded)));
`;

let dir: string;

beforeAll(async () => {
  await ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'foyer-loads-'));
  writeFileSync(join(dir, 'probe.mjs'), PROBE);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function modulesLoadedBy(args: string[]): Promise<{ code: number | null; stdout: string; modules: string[] }> {
  const out = join(dir, `loaded-${args.join('-')}.json`);
  const result = await runProcess(process.execPath, ['--import', join(dir, 'probe.mjs'), BIN, ...args], {
    cwd: projectRoot,
    env: cleanEnv({ LOADED_MODULES_FILE: out }),
  });
  return { code: result.code, stdout: result.stdout, modules: JSON.parse(readFileSync(out, 'utf8')) as string[] };
}

/** The app, its config loader and database, and the heavy libraries behind them. */
const APP = [/\/dist\/src\/app\.js$/, /\/dist\/src\/(config\/load-config|db\/connect|provider)\b/, /\/node_modules\/(oidc-provider|knex|zod|yaml|pg|ioredis|better-sqlite3)\//];

describe('foyer --help and --version load no part of the app', () => {
  for (const args of [['--help'], ['--version'], ['help']]) {
    it(`foyer ${args.join(' ')}`, async () => {
      const { code, modules } = await modulesLoadedBy(args);
      expect(code).toBe(0);
      // The probe works: it saw the CLI's own entry.
      expect(modules.some((m) => m.endsWith('/dist/src/cli/index.js'))).toBe(true);
      expect(modules.filter((m) => APP.some((pattern) => pattern.test(m)))).toEqual([]);
      // Only the command table of src/cli/, none of the command modules.
      expect(modules.filter((m) => /\/dist\/src\/cli\/.*-commands?\.js$/.test(m))).toEqual([]);
    });
  }

  it('a command loads its own module, and only that one', async () => {
    const { code, stdout, modules } = await modulesLoadedBy(['keys', '--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: foyer keys \[options\] \[command\]/);
    const commandModules = modules.filter((m) => /\/dist\/src\/(cli|roles)\/.*-commands?\.js$/.test(m)).map((m) => m.replace(/^.*\/dist\/src\//, ''));
    expect(commandModules).toEqual(['cli/keys-commands.js']);
  });
});
