import type { Database } from '../db/connect.js';
import { DAY_MS, type Clock } from '../lib/clock.js';

const BATCH = 1000;

/**
 * Purges audit and sign-in log entries older than their retention (lifecycle.retention), in
 * batches so no single statement holds a long lock; each batch commits by itself, so a run cut
 * short has purged whole batches and the next run continues.
 */
export async function purgeOldLogs(db: Database, clock: Clock, retention: { directoryAuditDays?: number; signInDays?: number }): Promise<{ audit: number; signIns: number }> {
  const cutoff = (days: number) => new Date(clock.now().getTime() - days * DAY_MS).toISOString();
  const purge = async (table: string, column: string, days: number | undefined) => {
    if (days === undefined) return 0;
    let total = 0;
    for (;;) {
      const ids = (await db(table).where(column, '<', cutoff(days)).limit(BATCH).pluck('id')) as string[];
      if (!ids.length) return total;
      total += await db(table).whereIn('id', ids).delete();
    }
  };
  return { audit: await purge('audit_log', 'activity_at', retention.directoryAuditDays), signIns: await purge('sign_ins', 'created_at', retention.signInDays) };
}
