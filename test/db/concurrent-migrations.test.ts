import { expect, it } from 'vitest';
import { connectDatabase } from '../../src/db/connect.js';
import { migrateLatest } from '../../src/db/migrate.js';
import { describeWithPostgres, freshPostgresSchema } from '../support/real-servers.js';

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
    } finally {
      await Promise.all(nodes.map((db) => db.destroy()));
    }
  });
});
