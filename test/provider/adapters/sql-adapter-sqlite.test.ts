import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase, type Database } from '../../../src/db/connect.js';
import { migrateLatest } from '../../../src/db/migrate.js';
import { createAdapterFactory, purgeExpired } from '../../../src/provider/adapters/index.js';
import { runAdapterContract } from './adapter-contract.js';

let dir: string;
let db: Database;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'foyer-sql-adapter-'));
  db = connectDatabase(`sqlite:${join(dir, 'foyer.db')}`);
  await migrateLatest(db);
});

afterAll(async () => {
  await db.destroy();
  rmSync(dir, { recursive: true, force: true });
});

runAdapterContract('SQL adapter on SQLite', () => createAdapterFactory({ db }));

describe('purgeExpired on SQLite', () => {
  it('deletes rows expired for over a minute, in bounded batches, and keeps the rest', async () => {
    const now = Date.now();
    const row = (id: string, expiresAt: number | null) => ({ model: 'PurgeTest', id, payload: '{}', expires_at: expiresAt });
    await db('oidc_payloads').insert([
      row('old-1', now - 120_000),
      row('old-2', now - 90_000),
      row('old-3', now - 61_000),
      row('just-expired', now - 10_000), // a request may still be reading it
      row('live', now + 60_000),
      row('forever', null),
    ]);
    expect(await purgeExpired(db, 2)).toBe(2);
    expect(await purgeExpired(db, 2)).toBe(1);
    expect(await purgeExpired(db, 2)).toBe(0);
    const left = await db('oidc_payloads').where({ model: 'PurgeTest' }).orderBy('id').pluck('id');
    expect(left).toEqual(['forever', 'just-expired', 'live']);
  });
});
