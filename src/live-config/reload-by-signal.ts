import { setTimeout as sleep } from 'node:timers/promises';
import type { FoyerConfig } from '../config/schema.js';
import type { ReloadReport } from './config-reloader.js';
import { whyNotTheFoyerServer } from './foyer-process-check.js';
import { pidFilePath, readPid, readReloadAnswer } from './pid-file.js';

const POLL_MS = 200;

/**
 * `foyer config reload` on one node without Redis: SIGHUP to the process named in the pid file
 * (once it is sure that process is the Foyer server that wrote it), then the node's answer read back from the file it writes beside the pid file.
 */
export async function reloadBySignal(config: FoyerConfig, timeoutMs: number): Promise<{ asked: number; reports: ReloadReport[] }> {
  const pidFile = pidFilePath(config);
  if (!pidFile) throw new Error('without Redis, reload finds the server by its pid file: set server.pidFile (or send SIGHUP to the Foyer process yourself)');
  let pid: number;
  try {
    pid = readPid(pidFile);
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'there is no pid file (is the server running?)' : err instanceof Error ? err.message : String(err);
    throw new Error(`cannot signal the Foyer server through ${pidFile}: ${why}`);
  }
  // SIGHUP ends most processes: never send it to one that merely inherited the number.
  const notFoyer = whyNotTheFoyerServer(pid, pidFile);
  if (notFoyer) throw new Error(`cannot signal the Foyer server through ${pidFile}: ${notFoyer}; nothing was signalled`);
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
