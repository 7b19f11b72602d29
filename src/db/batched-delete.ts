import type { Knex } from 'knex';
import type { Database } from './connect.js';

const DEFAULT_BATCH = 1000;

/**
 * Deletes the rows of `table` that `where` selects, `batch` at a time by primary key `id`: each
 * batch is its own statement and commits by itself, so no purge holds a long lock on a busy table,
 * and a run cut short has removed whole batches and the next run continues. Returns how many.
 */
export async function deleteInBatches(db: Database, table: string, where: (q: Knex.QueryBuilder) => void, batch = DEFAULT_BATCH): Promise<number> {
  let total = 0;
  for (;;) {
    const ids = (await db(table).where(where).limit(batch).pluck('id')) as string[];
    if (!ids.length) return total;
    total += await db(table).whereIn('id', ids).delete();
  }
}
