import { setTimeout as sleep } from 'node:timers/promises';
import type { Knex } from 'knex';
import type { Database } from './connect.js';

const DEFAULT_BATCH = 1000;
/** Long enough for the requests queued behind a batch (on SQLite, behind the one connection) to run first. */
const DEFAULT_PAUSE_MS = 10;

export interface BatchedDeleteOptions {
  /** Rows per DELETE statement. */
  batch?: number;
  /**
   * Least pause between two batches, so requests waiting for the database or the event loop go
   * first; a batch that took longer is followed by a pause as long as it took, so a purge never
   * takes more than half of the database's (on SQLite, the event loop's) time.
   */
  pauseMs?: number;
  /** Told after each batch how many rows it removed and how long its statements took (the bench reads it). */
  onBatch?: (done: { rows: number; ms: number }) => void;
}

/**
 * Deletes the rows of `table` that `where` selects, `batch` at a time by primary key `id`: each
 * batch is its own statement and commits by itself, with a short pause before the next, so no purge
 * holds a long lock on a busy table or keeps a synchronous SQLite connection from serving requests,
 * and a run cut short has removed whole batches and the next run continues. Returns how many.
 */
export async function deleteInBatches(db: Database, table: string, where: (q: Knex.QueryBuilder) => void, options: number | BatchedDeleteOptions = {}): Promise<number> {
  // Users are written through writeUsers only, so that nodes drop their copies (src/directory/user-writes.ts).
  if (table === 'users') throw new Error('deleteInBatches: users are deleted through writeUsers');
  const { batch = DEFAULT_BATCH, pauseMs = DEFAULT_PAUSE_MS, onBatch } = typeof options === 'number' ? { batch: options } : options;
  let total = 0;
  let pause = 0;
  for (;;) {
    if (pause > 0) await sleep(pause);
    const started = performance.now();
    const ids = (await db(table).where(where).limit(batch).pluck('id')) as string[];
    if (!ids.length) return total;
    const rows = await db(table).whereIn('id', ids).delete();
    total += rows;
    const ms = performance.now() - started;
    onBatch?.({ rows, ms });
    pause = Math.max(pauseMs, ms);
    // A short batch was the last one: no need to ask again.
    if (ids.length < batch) return total;
  }
}
