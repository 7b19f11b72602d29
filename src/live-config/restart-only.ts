import type { FoyerConfig } from '../config/schema.js';

/**
 * Settings a node opened something with at start (storage connections, the listening socket, the
 * keys it loaded, the issuer its tokens, cookies and shared budgets are named for). A reload that
 * changes one is refused as a whole: applying the rest would leave the node running a config that
 * is neither the old file nor the new one.
 */
const READ_AT_START: { path: string[]; secret?: boolean }[] = [
  { path: ['issuer'] },
  { path: ['server', 'port'] },
  { path: ['server', 'host'] },
  { path: ['server', 'pidFile'] },
  { path: ['server', 'keysPrePublishSeconds'] },
  { path: ['storage', 'databaseUrl'], secret: true },
  { path: ['storage', 'redisUrl'], secret: true },
  { path: ['storage', 'autoMigrate'] },
  { path: ['keys', 'algorithm'] },
];

/** One line per setting that differs and cannot change while the node runs; empty when none does. */
export function changesNeedingRestart(running: FoyerConfig, next: FoyerConfig): string[] {
  return READ_AT_START.flatMap(({ path, secret }) => {
    const before = valueAt(running, path);
    const after = valueAt(next, path);
    if (before === after) return [];
    // Storage URLs may carry passwords: say that they changed, not to what.
    const change = secret ? 'changed' : `changed from ${shown(before)} to ${shown(after)}`;
    return [`${path.join('.')}: ${change}; this setting is read only at start, so applying it needs a restart of the node`];
  });
}

function valueAt(config: FoyerConfig, path: string[]): unknown {
  let node: unknown = config;
  for (const key of path) node = node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
  return node;
}

function shown(value: unknown): string {
  return value === undefined ? '(not set)' : JSON.stringify(value);
}
