import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { FoyerConfig } from '../config/schema.js';
import type { ReloadReport } from './config-reloader.js';

/**
 * Where the server writes its process id, for `foyer config reload` without Redis (one node): the
 * configured server.pidFile, else foyer.pid beside the SQLite file. PostgreSQL without Redis and
 * without server.pidFile has none (send SIGHUP yourself, e.g. systemd's ExecReload).
 */
export function pidFilePath(config: FoyerConfig): string | undefined {
  if (config.server.pidFile) return resolve(config.server.pidFile);
  const url = config.storage.databaseUrl;
  if (!url.startsWith('sqlite:')) return undefined;
  const file = url.slice('sqlite:'.length).replace(/^\/\//, '');
  return file === ':memory:' ? undefined : join(dirname(resolve(file)), 'foyer.pid');
}

/** Writes this process's id; the returned function removes the file (and the last reload answer) again if it still names this process. */
export function writePidFile(path: string): () => void {
  writeFileSync(path, `${process.pid}\n`);
  return () => {
    try {
      if (readPid(path) === process.pid) rmSync(path, { force: true });
      rmSync(reloadAnswerPath(path), { force: true });
    } catch {
      /* already gone */
    }
  };
}

/**
 * Where a node without Redis leaves its answer to a SIGHUP for `foyer config reload`: beside the
 * pid file, since a signal carries no reply address (and an unchanged file is not audited).
 */
export function reloadAnswerPath(pidFile: string): string {
  return `${pidFile}.reload.json`;
}

export interface ReloadAnswer {
  pid: number;
  /** Epoch milliseconds when the reload finished. */
  at: number;
  report: ReloadReport;
}

export function writeReloadAnswer(pidFile: string, report: ReloadReport): void {
  const path = reloadAnswerPath(pidFile);
  // Written whole then renamed, so the CLI never reads half an answer.
  writeFileSync(`${path}.tmp`, JSON.stringify({ pid: process.pid, at: Date.now(), report } satisfies ReloadAnswer));
  renameSync(`${path}.tmp`, path);
}

export function readReloadAnswer(pidFile: string): ReloadAnswer | undefined {
  try {
    return JSON.parse(readFileSync(reloadAnswerPath(pidFile), 'utf8')) as ReloadAnswer;
  } catch {
    return undefined;
  }
}

export function readPid(path: string): number {
  const pid = Number(readFileSync(path, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`${path} does not hold a process id`);
  return pid;
}
