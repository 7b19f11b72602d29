import { deleteInBatches, type BatchedDeleteOptions } from '../db/batched-delete.js';
import type { Database } from '../db/connect.js';
import { DAY_MS, type Clock } from '../lib/clock.js';

/** Log rows are wide and indexed four ways: 500 keeps one DELETE short (bench: retention scenario). */
const LOG_BATCH = 500;
/** PostgreSQL's own autovacuum_vacuum_scale_factor: a purge this large of the table is vacuumed now. */
const RECLAIM_SHARE = 0.2;
const RECLAIM_MIN_ROWS = 1000;

export interface PurgeOptions extends BatchedDeleteOptions {
  /** Told when a purge was large enough that the table was vacuumed right after it (PostgreSQL). */
  onReclaim?: (table: string) => void;
}

/**
 * Purges audit and sign-in log entries older than their retention (lifecycle.retention), in
 * batches with a pause between them (batched-delete.ts): requests keep being served during a large
 * purge, and a run cut short has purged whole batches and the next run continues.
 */
export async function purgeOldLogs(db: Database, clock: Clock, retention: { directoryAuditDays?: number; signInDays?: number }, options: PurgeOptions = {}): Promise<{ audit: number; signIns: number }> {
  const cutoff = (days: number) => new Date(clock.now().getTime() - days * DAY_MS).toISOString();
  const batching = { ...options, batch: options.batch ?? LOG_BATCH };
  const purge = async (table: string, column: string, days: number | undefined) => {
    if (days === undefined) return 0;
    const deleted = await deleteInBatches(db, table, (q) => q.where(column, '<', cutoff(days)), batching);
    if (await reclaimOnPostgres(db, table, deleted)) options.onReclaim?.(table);
    return deleted;
  };
  return { audit: await purge('audit_log', 'activity_at', retention.directoryAuditDays), signIns: await purge('sign_ins', 'created_at', retention.signInDays) };
}

/**
 * After a purge of a large share of a log (the first one after retention is switched on, over a
 * backlog), the freed space is made reusable at once instead of at autovacuum's next pass, so the
 * table does not grow meanwhile. VACUUM (not FULL) lets reads and writes go on. The usual purge,
 * a job interval's worth of rows, is left to autovacuum. SQLite reuses freed pages by itself.
 */
async function reclaimOnPostgres(db: Database, table: string, deleted: number): Promise<boolean> {
  if (db.client.config.client !== 'pg' || deleted < RECLAIM_MIN_ROWS) return false;
  const stats = await db.raw<{ rows: { live: string | null }[] }>('select n_live_tup as live from pg_stat_user_tables where relid = to_regclass(?)', [table]);
  const live = Number(stats.rows[0]?.live ?? 0);
  if (deleted < RECLAIM_SHARE * (live + deleted)) return false;
  await db.raw('vacuum (analyze) ??', [table]);
  return true;
}
