import type { Database } from './connect.js';

/**
 * knex's own migration lock is a row in `foyer_migrations_lock`, and knex creates that row with a
 * select-then-insert: two nodes starting on an empty database can both insert it, after which
 * knex's `update … where is_locked = 0` touches two rows, reports "already locked" on every node
 * and no node can ever migrate. A PostgreSQL advisory lock taken before knex runs serialises the
 * nodes from the very first statement. It is keyed by schema (two deployments sharing a database
 * in different schemas do not wait for each other), it is held by one dedicated connection and it
 * disappears with that connection if the node dies.
 */
const LOCK_KEY = "hashtext(current_schema() || '.foyer_migrations')";
const RETRY_MS = 250;

export async function withPostgresMigrationLock<T>(db: Database, deadline: number, fn: () => Promise<T>): Promise<T> {
  const connection: unknown = await db.client.acquireConnection();
  try {
    await takeLock(db, connection, deadline);
    try {
      await repairDuplicateLockRows(db);
      return await fn();
    } finally {
      await db.raw(`select pg_advisory_unlock(${LOCK_KEY})`).connection(connection);
    }
  } finally {
    await db.client.releaseConnection(connection);
  }
}

async function takeLock(db: Database, connection: unknown, deadline: number): Promise<void> {
  for (;;) {
    // try-and-retry rather than pg_advisory_lock: a blocking wait would run into statement_timeout.
    const result = (await db.raw(`select pg_try_advisory_lock(${LOCK_KEY}) as locked`).connection(connection)) as {
      rows: { locked: boolean }[];
    };
    if (result.rows[0]?.locked) return;
    if (Date.now() > deadline) throw new Error('timed out waiting for another node to finish migrating the database');
    await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
  }
}

/**
 * A database that already went through the race above has two lock rows. Holding the advisory
 * lock, no other node is migrating, so keeping the first row (unlocked) makes it usable again.
 */
async function repairDuplicateLockRows(db: Database): Promise<void> {
  if (!(await db.schema.hasTable('foyer_migrations_lock'))) return;
  const rows = (await db('foyer_migrations_lock').select('index').orderBy('index')) as { index: number }[];
  if (rows.length <= 1) return;
  await db('foyer_migrations_lock').where('index', '>', rows[0]!.index).delete();
  await db('foyer_migrations_lock').update({ is_locked: 0 });
}
