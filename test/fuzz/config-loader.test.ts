/**
 * Fuzzing the config loader: random YAML text, and a valid config with random values put at
 * random places. Loading either succeeds or throws ConfigError with one readable line per
 * problem; never another exception, never a crash.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ConfigError, loadConfig } from '../../src/config/load-config.js';
import { baseConfig } from '../support/start-foyer.js';
import { FUZZ_RUNS, FUZZ_TIMEOUT_MS, fuzzParams, jsonish, nastyString } from './support/fuzz.js';

const dir = mkdtempSync(join(tmpdir(), 'foyer-config-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = join(dir, 'foyer.yaml');

function loadsCleanly(text: string, env: NodeJS.ProcessEnv = {}): void {
  writeFileSync(file, text);
  try {
    loadConfig(file, env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw new Error(`not a ConfigError (${(err as Error)?.name}): ${(err as Error)?.message}\n--- input ---\n${text.slice(0, 500)}`);
    for (const problem of err.problems) {
      if (typeof problem !== 'string' || problem.trim().length === 0) throw new Error(`unreadable problem line: ${String(problem).slice(0, 200)}`);
    }
  }
}

/** Every path (list of keys) into a plain object, containers included. */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (value === null || typeof value !== 'object') return [prefix];
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
  return [prefix, ...entries.flatMap(([k, v]) => paths(v, [...prefix, k]))];
}

function setAt(target: Record<string, unknown>, path: (string | number)[], value: unknown): void {
  if (path.length === 0) return;
  let node = target as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[path.at(-1)!] = value;
}

describe(`config loader fuzzing (${FUZZ_RUNS} cases per property)`, () => {
  it('random YAML text gives a config or a ConfigError', () => {
    const yamlish = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.array(fc.constantFrom('issuer: ', 'tenant:\n  displayName: x\n', '  - ', ': ', '{', '[', '&a ', '*a', '!!binary ', '${X}', '${', '---\n', '\t', '"', "'", '\n', '<<: *a\n', 'apps:\n', '  - id: ', 'x', '1', 'null'), { maxLength: 30 }).map((parts) => parts.join('')),
      jsonish().map((v) => stringify(v)),
    );
    fc.assert(fc.property(yamlish, (text) => loadsCleanly(text)), fuzzParams());
  }, FUZZ_TIMEOUT_MS);

  it('a valid config with random values at random places gives a config or a ConfigError', () => {
    const base = baseConfig(3000);
    const allPaths = paths(base);
    const mutation = fc.record({
      changes: fc.array(fc.tuple(fc.constantFrom(...allPaths), jsonish()), { minLength: 1, maxLength: 4 }),
      newKey: fc.option(fc.tuple(nastyString(), jsonish())),
      env: fc.dictionary(fc.constantFrom('PORT', 'DATABASE_URL', 'REDIS_URL', 'LOG_LEVEL', 'SECRET'), nastyString(), { maxKeys: 3 }),
    });
    fc.assert(
      fc.property(mutation, ({ changes, newKey, env }) => {
        const config = structuredClone(base);
        for (const [path, value] of changes) {
          try {
            setAt(config, path, value);
          } catch {
            /* the path went away with an earlier change */
          }
        }
        if (newKey) (config as Record<string, unknown>)[newKey[0]] = newKey[1];
        let text: string;
        try {
          text = stringify(config);
        } catch {
          return;
        }
        loadsCleanly(text.replace('Contoso Test', '${SECRET:-Contoso Test}'), { ...env, DATABASE_URL: env.DATABASE_URL ?? undefined } as NodeJS.ProcessEnv);
      }),
      fuzzParams(),
    );
    expect(true).toBe(true);
  }, FUZZ_TIMEOUT_MS);
});
