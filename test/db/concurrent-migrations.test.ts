import { expect, it } from 'vitest';
import { connectDatabase } from '../../src/db/connect.js';
import { migrateLatest } from '../../src/db/migrate.js';
import { describeWithPostgres, freshPostgresSchema } from '../support/real-servers.js';

const LOCK_KEY = "hashtext(current_schema() || '.foyer_migrations')";

describeWithPostgres('migrations started by several nodes at once on PostgreSQL', () => {
  const schema = freshPostgresSchema();

  it('apply once and let every node start (the others wait for the lock)', async () => {
    const nodes = [connectDatabase(schema.url), connectDatabase(schema.url), connectDatabase(schema.url)];
    try {
      const applied = await Promise.all(nodes.map((db) => migrateLatest(db)));
      const total = applied.flat();
      expect(total.length).toBeGreaterThan(0);
      expect(new Set(total).size).toBe(total.length);
      expect(applied.filter((a) => a.length > 0)).toHaveLength(1);
      expect(await schema.db('foyer_migrations_lock').select('*')).toEqual([{ index: 1, is_locked: 0 }]);
    } finally {
      await Promise.all(nodes.map((db) => db.destroy()));
    }
  });
});

describeWithPostgres('a node waits while another node holds the migration lock', () => {
  const schema = freshPostgresSchema();

  it('starts migrating only once the lock is released', async () => {
    const holder = connectDatabase(schema.url);
    const node = connectDatabase(schema.url);
    const connection: unknown = await holder.client.acquireConnection();
    try {
      await holder.raw(`select pg_advisory_lock(${LOCK_KEY})`).connection(connection);
      let finished = false;
      const migrating = migrateLatest(node).finally(() => (finished = true));
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(finished).toBe(false);
      expect(await schema.db.schema.hasTable('foyer_migrations')).toBe(false);
      await holder.raw(`select pg_advisory_unlock(${LOCK_KEY})`).connection(connection);
      expect((await migrating).length).toBeGreaterThan(0);
    } finally {
      await holder.client.releaseConnection(connection);
      await Promise.all([holder.destroy(), node.destroy()]);
    }
  });
});

describeWithPostgres('a database left with two knex lock rows by an earlier race', () => {
  const schema = freshPostgresSchema();

  it('is repaired and migrated instead of reporting "already locked" forever', async () => {
    // What two nodes produced before the advisory lock: both saw no lock row and both inserted one.
    await schema.db.schema.createTable('foyer_migrations_lock', (t) => {
      t.increments('index').primary();
      t.integer('is_locked');
    });
    await schema.db('foyer_migrations_lock').insert([{ is_locked: 0 }, { is_locked: 0 }]);
    const node = connectDatabase(schema.url);
    try {
      expect((await migrateLatest(node)).length).toBeGreaterThan(0);
      expect(await schema.db('foyer_migrations_lock').select('*')).toEqual([{ index: 1, is_locked: 0 }]);
    } finally {
      await node.destroy();
    }
  }, 20_000);
});
