import { deleteInBatches, type BatchedDeleteOptions } from '../db/batched-delete.js';
import type { Database } from '../db/connect.js';
import { DAY_MS, type Clock } from '../lib/clock.js';

/** Log rows are wide and indexed four ways: 500 keeps one DELETE short (bench: retention scenario). */
const LOG_BATCH = 500;

/**
 * Purges audit and sign-in log entries older than their retention (lifecycle.retention), in
 * batches with a pause between them (batched-delete.ts): requests keep being served during a large
 * purge, and a run cut short has purged whole batches and the next run continues.
 */
export async function purgeOldLogs(
  db: Database,
  clock: Clock,
  retention: { directoryAuditDays?: number; signInDays?: number },
  batching: BatchedDeleteOptions = {},
): Promise<{ audit: number; signIns: number }> {
  const cutoff = (days: number) => new Date(clock.now().getTime() - days * DAY_MS).toISOString();
  const purge = async (table: string, column: string, days: number | undefined) => (days === undefined ? 0 : deleteInBatches(db, table, (q) => q.where(column, '<', cutoff(days)), { ...batching, batch: batching.batch ?? LOG_BATCH }));
  return { audit: await purge('audit_log', 'activity_at', retention.directoryAuditDays), signIns: await purge('sign_ins', 'created_at', retention.signInDays) };
}
