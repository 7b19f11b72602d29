import { beforeAll, describe, expect, it } from 'vitest';
import { migrateLatest } from '../../../src/db/migrate.js';
import { createAdapterFactory, purgeExpired } from '../../../src/provider/adapters/index.js';
import { describeWithPostgres, freshPostgresSchema } from '../../support/real-servers.js';
import { runAdapterContract } from './adapter-contract.js';

describeWithPostgres('SQL adapter on PostgreSQL', () => {
  const pg = freshPostgresSchema();

  beforeAll(async () => {
    await migrateLatest(pg.db);
  });

  runAdapterContract('SQL adapter on PostgreSQL', () => createAdapterFactory({ db: pg.db }));

  describe('purgeExpired on PostgreSQL', () => {
    it('deletes rows expired for over a minute, in bounded batches, and keeps the rest', async () => {
      const now = Date.now();
      const row = (id: string, expiresAt: number | null) => ({ model: 'PurgeTest', id, payload: '{}', expires_at: expiresAt });
      await pg.db('oidc_payloads').insert([
        row('old-1', now - 120_000),
        row('old-2', now - 61_000),
        row('just-expired', now - 10_000),
        row('forever', null),
      ]);
      expect(await purgeExpired(pg.db, 1)).toBe(1);
      expect(await purgeExpired(pg.db, 5)).toBe(1);
      const left = await pg.db('oidc_payloads').where({ model: 'PurgeTest' }).orderBy('id').pluck('id');
      expect(left).toEqual(['forever', 'just-expired']);
    });
  });
});
