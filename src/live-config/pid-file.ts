import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { FoyerConfig } from '../config/schema.js';

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

/** Writes this process's id; the returned function removes the file again if it still names this process. */
export function writePidFile(path: string): () => void {
  writeFileSync(path, `${process.pid}\n`);
  return () => {
    try {
      if (readPid(path) === process.pid) rmSync(path, { force: true });
    } catch {
      /* already gone */
    }
  };
}

export function readPid(path: string): number {
  const pid = Number(readFileSync(path, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`${path} does not hold a process id`);
  return pid;
}
