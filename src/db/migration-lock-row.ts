import type { Database } from './connect.js';

/** knex's lock table for the `foyer_migrations` table (knex appends `_lock`). */
const LOCK_TABLE = 'foyer_migrations_lock';

/**
 * Makes sure knex's migration lock table holds exactly one row before knex looks at it. knex
 * creates that row with a select-then-insert, so two processes starting on an empty database can
 * both insert one; with two rows knex's `update … where is_locked = 0` changes two, which it reads
 * as "already locked", on every process, forever. Here the row has a fixed id, inserted with
 * `on conflict do nothing`, so the database itself keeps it single; a second row left by that race
 * in an older database is deleted (knex takes and frees its lock on all rows at once, so the
 * first row alone carries the lock's state).
 */
export async function ensureOneLockRow(db: Database): Promise<void> {
  if (!(await db.schema.hasTable(LOCK_TABLE))) {
    try {
      await db.schema.createTable(LOCK_TABLE, (t) => {
        t.increments('index').primary();
        t.integer('is_locked');
      });
    } catch (err) {
      // Another process created it between the check and here.
      if (!(await db.schema.hasTable(LOCK_TABLE))) throw err;
    }
  }
  // Read first and write only when needed: on PostgreSQL a write that meets the row while another
  // node's migration transaction holds it would wait for that whole migration.
  const rows = (await db(LOCK_TABLE).select('index')) as { index: number }[];
  if (rows.length === 1 && rows[0]!.index === 1) return;
  await db(LOCK_TABLE).insert({ index: 1, is_locked: 0 }).onConflict('index').ignore();
  await db(LOCK_TABLE).where('index', '>', 1).delete();
}
