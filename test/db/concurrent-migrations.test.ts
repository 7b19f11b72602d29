/**
 * Several nodes migrating one database at once: each migration is applied once, every node starts,
 * and knex's lock table keeps exactly one row — two rows (which knex's own select-then-insert can
 * leave) would make every later start report "already locked" forever. On PostgreSQL the nodes are
 * knex instances in this process; SQLite connections would block each other's synchronous busy
 * waits in one process, so several processes on one SQLite file are in test/cli/migrate.test.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { connectDatabase, type Database } from '../../src/db/connect.js';
import { migrateLatest } from '../../src/db/migrate.js';
import { describeWithPostgres, freshPostgresSchema } from '../support/real-servers.js';

async function withNodes<T>(url: string, count: number, fn: (nodes: Database[]) => Promise<T>): Promise<T> {
  const nodes = Array.from({ length: count }, () => connectDatabase(url));
  try {
    return await fn(nodes);
  } finally {
    await Promise.all(nodes.map((db) => db.destroy()));
  }
}

describeWithPostgres('migrations started by several nodes at once on PostgreSQL', () => {
  const schema = freshPostgresSchema();

  it('three nodes at once: each migration is applied once, every node starts, one lock row', async () => {
    await withNodes(schema.url, 3, async (nodes) => {
      const applied = await Promise.all(nodes.map((db) => migrateLatest(db)));
      const total = applied.flat();
      expect(total.length).toBeGreaterThan(0);
      expect(new Set(total).size).toBe(total.length);
      expect(applied.filter((a) => a.length > 0)).toHaveLength(1);
      expect(await schema.db('foyer_migrations_lock').select('*')).toEqual([{ index: 1, is_locked: 0 }]);
    });
  });
});

/** What two nodes could leave before: both saw no lock row and both inserted one. */
async function repairedAfterTwoLockRows(url: string): Promise<void> {
  await withNodes(url, 1, async ([db]) => {
    await db!.schema.createTable('foyer_migrations_lock', (t) => {
      t.increments('index').primary();
      t.integer('is_locked');
    });
    await db!('foyer_migrations_lock').insert([{ is_locked: 0 }, { is_locked: 0 }]);
    expect((await migrateLatest(db!)).length).toBeGreaterThan(0);
    expect(await db!('foyer_migrations_lock').select('*')).toEqual([{ index: 1, is_locked: 0 }]);
  });
}

describeWithPostgres('a PostgreSQL database left with two lock rows by an earlier race', () => {
  const schema = freshPostgresSchema();
  it('is repaired and migrated', () => repairedAfterTwoLockRows(schema.url), 20_000);
});

describe('a SQLite database left with two lock rows by an earlier race', () => {
  const dir = mkdtempSync(join(tmpdir(), 'foyer-lock-rows-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  it('is repaired and migrated', () => repairedAfterTwoLockRows(`sqlite:${join(dir, 'foyer.db')}`), 20_000);
});
