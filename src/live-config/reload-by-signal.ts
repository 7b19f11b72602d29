import { setTimeout as sleep } from 'node:timers/promises';
import type { FoyerConfig } from '../config/schema.js';
import type { ReloadReport } from './config-reloader.js';
import { pidFilePath, readPid, readReloadAnswer } from './pid-file.js';

const POLL_MS = 200;

/**
 * `foyer config reload` on one node without Redis: SIGHUP to the process named in the pid file,
 * then the node's answer read back from the file it writes beside the pid file.
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
    throw new Error(`cannot signal the Foyer server through ${pidFile}: ${why}`);
  }
  const since = Date.now();
  process.kill(pid, 'SIGHUP');
  const deadline = since + timeoutMs;
  while (Date.now() < deadline) {
    const answer = readReloadAnswer(pidFile);
    if (answer && answer.pid === pid && answer.at >= since) return { asked: 1, reports: [answer.report] };
    await sleep(POLL_MS);
  }
  return { asked: 1, reports: [] };
}
