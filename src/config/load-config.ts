import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, isAbsolute, join, relative, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { describeIssues, formatPath } from './describe-issues.js';
import { MissingEnvError, substituteEnv } from './env-substitution.js';
import { configSchema, type FoyerConfig } from './schema.js';
import { ConfigError } from './config-error.js';

export { ConfigError };

/** Environment variables that override one config key (the public surface names them). */
const ENV_OVERRIDES: { variable: string; path: [string, string] }[] = [
  { variable: 'PORT', path: ['server', 'port'] },
  { variable: 'DATABASE_URL', path: ['storage', 'databaseUrl'] },
  { variable: 'REDIS_URL', path: ['storage', 'redisUrl'] },
  { variable: 'LOG_LEVEL', path: ['server', 'logLevel'] },
];

export function defaultConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.FOYER_CONFIG ?? 'config');
}

/**
 * Reads a YAML file, or every `*.yaml`/`*.yml` file of a directory. In a directory each top-level
 * key lives in exactly one file (so `policies.yaml` can sit beside `foyer.yaml`), and errors name
 * the file a bad key came from.
 */
export function loadConfig(path = defaultConfigPath(), env: NodeJS.ProcessEnv = process.env): FoyerConfig {
  const files = listConfigFiles(path);
  const merged: Record<string, unknown> = {};
  const owner = new Map<string, string>();
  const problems: string[] = [];
  const version = createHash('sha256');

  for (const file of files) {
    const shown = shownPath(file);
    let data: unknown;
    try {
      const text = readFileSync(file, 'utf8');
      version.update(`${basename(file)}\0${text}\0`);
      data = parseYaml(text, shown);
      data = substituteEnv(data ?? {}, env);
    } catch (err) {
      if (err instanceof MissingEnvError) problems.push(`${shown}: ${formatPath(err.path)}: ${err.message}`);
      else problems.push(err instanceof Error ? err.message : String(err));
      continue;
    }
    if (!data || typeof data !== 'object' || Array.isArray(data)) {
      problems.push(`${shown}: the file must be a YAML mapping (key: value) at the top level`);
      continue;
    }
    for (const [key, value] of Object.entries(data)) {
      const previous = owner.get(key);
      if (previous) problems.push(`${shown}: ${key}: already defined in ${previous}; a top-level key may appear in one file only`);
      owner.set(key, shown);
      merged[key] = value;
    }
  }
  if (problems.length) throw new ConfigError(problems);

  for (const { variable, path: [section, key] } of ENV_OVERRIDES) {
    const value = env[variable];
    if (value === undefined || value === '') continue;
    const target = (merged[section] ??= {}) as Record<string, unknown>;
    if (typeof target !== 'object' || Array.isArray(target)) continue;
    target[key] = value;
    owner.set(`${section}.${key}`, `environment variable ${variable}`);
  }

  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    // An issue is blamed on the file (or environment variable) its key came from.
    const fallback = shownPath(files.length === 1 ? files[0]! : path);
    const sourceOf = (p: readonly PropertyKey[]) =>
      owner.get(`${String(p[0])}.${String(p[1])}`) ?? owner.get(String(p[0])) ?? fallback;
    throw new ConfigError(describeIssues(parsed.error.issues, merged, sourceOf));
  }

  const config = parsed.data;
  return {
    ...config,
    issuer: config.issuer ?? `http://localhost:${config.server.port}`,
    sourceFiles: files,
    source: resolve(path),
    version: version.digest('hex').slice(0, 12),
  };
}

function listConfigFiles(path: string): string[] {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    throw new ConfigError([`${path}: no such file or directory (set FOYER_CONFIG to a config file or directory)`]);
  }
  if (!stat.isDirectory()) return [path];
  const files = readdirSync(path)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((name) => join(path, name));
  if (files.length === 0) throw new ConfigError([`${path}: the directory holds no .yaml files`]);
  return files;
}

/** The yaml library's wording for the two most common slips, with what usually causes them. */
const YAML_HINTS: Partial<Record<string, string>> = {
  MULTILINE_IMPLICIT_KEY: ' (is the colon after a key missing?)',
  DUPLICATE_KEY: ' (the same key appears twice in one mapping)',
};

function parseYaml(text: string, shown: string): unknown {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const first = doc.errors[0]!;
    const where = first.linePos?.[0] ? `line ${first.linePos[0].line}, column ${first.linePos[0].col}` : 'unknown position';
    // prettyErrors appends " at line L, column C:" and a code excerpt; the position is already in front.
    const message = first.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    throw new Error(`${shown}: ${where}: YAML syntax error: ${message}${YAML_HINTS[first.code] ?? ''}`);
  }
  return doc.toJS();
}

/** Paths inside the working directory are shown relative to it; others in full. */
function shownPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}
