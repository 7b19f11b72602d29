import { setTimeout as sleep } from 'node:timers/promises';
import type { FoyerConfig } from '../config/schema.js';
import { connectDatabase } from '../db/connect.js';
import type { ReloadReport } from './config-reloader.js';
import { pidFilePath, readPid } from './pid-file.js';

const POLL_MS = 200;

/**
 * `foyer config reload` on one node without Redis: SIGHUP to the process named in the pid file,
 * then the node's answer read back from the audit event it records (config.reloaded or
 * config.reloadRejected) in the database both share.
 */
export async function reloadBySignal(config: FoyerConfig, timeoutMs: number): Promise<{ asked: number; reports: ReloadReport[] }> {
  const pidFile = pidFilePath(config);
  if (!pidFile) throw new Error('without Redis, reload finds the server by its pid file: set server.pidFile (or send SIGHUP to the Foyer process yourself)');
  let pid: number;
  try {
    pid = readPid(pidFile);
    process.kill(pid, 0);
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ESRCH' ? 'no such process (a stale pid file)' : err instanceof Error ? err.message : String(err);
    return Promise.reject(new Error(`cannot signal the Foyer server through ${pidFile}: ${why}`));
  }
  const db = connectDatabase(config.storage.databaseUrl);
  try {
    const since = new Date().toISOString();
    process.kill(pid, 'SIGHUP');
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const row = (await db('audit_log')
        .whereIn('activity', ['config.reloaded', 'config.reloadRejected'])
        .andWhere('activity_at', '>=', since)
        .andWhere('actor_id', 'like', `%:${pid}:%`)
        .orderBy('activity_at', 'desc')
        .first()) as { details: string | null; result_reason: string | null; actor_id: string } | undefined;
      if (row) return { asked: 1, reports: [reportFrom(row)] };
      await sleep(POLL_MS);
    }
    return { asked: 1, reports: [] };
  } finally {
    await db.destroy();
  }
}

function reportFrom(row: { details: string | null; result_reason: string | null; actor_id: string }): ReloadReport {
  const details = (row.details ? JSON.parse(row.details) : {}) as { result?: ReloadReport['result']; version?: string; fileVersion?: string };
  return { node: row.actor_id, result: details.result ?? 'rejected', version: details.version ?? '?', fileVersion: details.fileVersion, problems: row.result_reason ? row.result_reason.split('\n') : [] };
}
