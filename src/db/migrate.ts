import type { Knex } from 'knex';
import { migrations } from '../../migrations/index.js';
import type { Database } from './connect.js';
import { ensureOneLockRow } from './migration-lock-row.js';
import { isUniqueViolation } from './unique-violation.js';

/**
 * Migrations are imported modules rather than files found on disk, so the same list runs from
 * TypeScript sources (tests) and from the compiled build (npm start, the CLI).
 */
const source: Knex.MigrationSource<string> = {
  getMigrations: async () => Object.keys(migrations),
  getMigrationName: (name) => name,
  getMigration: async (name) => {
    const migration = migrations[name];
    if (!migration) throw new Error(`unknown migration ${name}`);
    return migration;
  },
};

const options = { migrationSource: source, tableName: 'foyer_migrations' };

const LOCK_WAIT_MS = 60_000;

/**
 * Another node holds the migration lock, or created knex's bookkeeping tables a moment before us
 * (knex checks for them and then creates them, which two nodes can both do at once), or a
 * statement waited for the other node's migration until PostgreSQL's statement_timeout (57014).
 */
function lostRace(err: unknown): boolean {
  const e = err as { name?: string; code?: string };
  return e.name === 'MigrationLocked' || e.code === '42P07' || e.code === '57014' || isUniqueViolation(err);
}

/**
 * Applies pending migrations. When several nodes start together, one migrates and the others wait
 * for it (instead of failing), then find nothing left to apply. knex's lock row guards the
 * migrations; migration-lock-row.ts keeps it to one row.
 */
export async function migrateLatest(db: Database): Promise<string[]> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      await ensureOneLockRow(db);
      const [, applied] = (await db.migrate.latest(options)) as [number, string[]];
      return applied;
    } catch (err) {
      if (!lostRace(err) || Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

export async function rollbackAll(db: Database): Promise<void> {
  await db.migrate.rollback(options, true);
}

export async function pendingMigrations(db: Database): Promise<string[]> {
  const [, pending] = (await db.migrate.list(options)) as [unknown, { file: string }[] | string[]];
  return pending.map((p) => (typeof p === 'string' ? p : p.file));
}
