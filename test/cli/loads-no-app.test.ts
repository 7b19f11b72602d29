import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/lib/project-root.js';
import { BIN, cleanEnv, ensureBuilt, runProcess } from './cli-harness.js';

/**
 * Issue 20: `foyer --help` and `--version` answer from the command table alone. A probe loaded with
 * --import records every module the process loads (module.registerHooks sees ESM and CommonJS
 * alike) and writes the list when it exits; no timing is asserted, only what was loaded. dist/ is
 * bundled (scripts/bundle.mjs), so each file loaded from it is read as the sources it holds
 * (dist/cli-sources.json, written by the build); a library from node_modules is its own file.
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

async function modulesLoadedBy(args: string[]): Promise<{ code: number | null; stdout: string; modules: string[]; sources: string[] }> {
  const out = join(dir, `loaded-${args.join('-')}.json`);
  const result = await runProcess(process.execPath, ['--import', join(dir, 'probe.mjs'), BIN, ...args], {
    cwd: projectRoot,
    env: cleanEnv({ LOADED_MODULES_FILE: out }),
  });
  const loaded = JSON.parse(readFileSync(out, 'utf8')) as string[];
  return { code: result.code, stdout: result.stdout, modules: loaded, sources: loaded.flatMap(sourcesIn) };
}

/** What a loaded module is made of: the sources bundled into a dist/ file, or the library file itself. */
function sourcesIn(url: string): string[] {
  if (!url.startsWith('file:')) return [];
  const path = relative(projectRoot, fileURLToPath(url));
  if (!path.startsWith('dist/')) return [path];
  const bundled = (JSON.parse(readFileSync(join(projectRoot, 'dist/cli-sources.json'), 'utf8')) as Record<string, string[]>)[path];
  if (!bundled) throw new Error(`${path} is not in dist/cli-sources.json: was it built by scripts/bundle.mjs?`);
  return bundled;
}

/** The app, its config loader and database, and the heavy libraries behind them (bundled or not). */
const APP = [/^src\/app\.ts$/, /^src\/(config\/load-config|db\/connect|provider\/)/, /(^|\/)node_modules\/(oidc-provider|knex|zod|yaml|pg|ioredis|better-sqlite3)\//];

describe('foyer --help and --version load no part of the app', () => {
  for (const args of [['--help'], ['--version'], ['help']]) {
    it(`foyer ${args.join(' ')}`, async () => {
      const { code, modules, sources } = await modulesLoadedBy(args);
      expect(code).toBe(0);
      // The probe works: it saw the CLI's own entry, and the command table inside it.
      expect(modules.some((m) => m.endsWith('/dist/src/cli/index.js'))).toBe(true);
      expect(sources).toContain('src/cli/command-index.ts');
      expect(sources.filter((m) => APP.some((pattern) => pattern.test(m)))).toEqual([]);
      // Only the command table of src/cli/, none of the command modules.
      expect(sources.filter((m) => /^src\/cli\/.*-commands?\.ts$/.test(m))).toEqual([]);
    });
  }

  it('a command loads its own module, and only that one', async () => {
    const { code, stdout, sources } = await modulesLoadedBy(['keys', '--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: foyer keys \[options\] \[command\]/);
    expect(sources.filter((m) => /^src\/(cli|roles)\/.*-commands?\.ts$/.test(m))).toEqual(['src/cli/keys-commands.ts']);
  });
});
