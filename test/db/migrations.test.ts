import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase, type Database } from '../../src/db/connect.js';
import { migrateLatest, pendingMigrations, rollbackAll } from '../../src/db/migrate.js';
import { migrations } from '../../migrations/index.js';
import { describeWithPostgres, freshPostgresSchema } from '../support/real-servers.js';

const TABLES = [
  'users', 'identities', 'groups', 'group_members', 'group_owners',
  'app_assignments', 'signing_keys', 'audit_log', 'oidc_payloads',
];

async function existingTables(db: Database): Promise<string[]> {
  const present: string[] = [];
  for (const table of TABLES) if (await db.schema.hasTable(table)) present.push(table);
  return present;
}

/** One suite for both engines: migrations must behave the same on SQLite and PostgreSQL. */
function migrationSuite(getDb: () => Database): void {
  // The steps build on each other (latest → no-op → rollback → latest), so they run in order.
  describe.sequential('migrations', () => {
    it('latest applies every migration and creates all tables', async () => {
      const db = getDb();
      expect(await migrateLatest(db)).toEqual(Object.keys(migrations));
      expect(await existingTables(db)).toEqual(TABLES);
      expect(await pendingMigrations(db)).toEqual([]);
    });

    it('a second latest is a no-op', async () => {
      expect(await migrateLatest(getDb())).toEqual([]);
    });

    it('enforces one identity per (issuer, subject)', async () => {
      const db = getDb();
      const at = new Date().toISOString();
      await db('users').insert({
        id: 'u-1', user_type: 'Guest', mail: 'Zoe@Partner.example', mail_normalized: 'zoe@partner.example',
        display_name: 'Zoë', created_at: at, updated_at: at,
      });
      const identity = { user_id: 'u-1', idp_id: 'partner', issuer: 'https://idp.partner.example', subject: 'sub-1', created_at: at };
      await db('identities').insert({ id: 'i-1', ...identity });
      await expect(db('identities').insert({ id: 'i-2', ...identity })).rejects.toThrow(/unique/i);
      await db('identities').insert({ id: 'i-3', ...identity, subject: 'sub-2' });
      expect(Number((await db('identities').count({ n: '*' }).first())?.n)).toBe(2);
    });

    it('rollbackAll drops every table', async () => {
      const db = getDb();
      await rollbackAll(db);
      expect(await existingTables(db)).toEqual([]);
      expect(await pendingMigrations(db)).toEqual(Object.keys(migrations));
    });

    it('latest works again after a full rollback', async () => {
      const db = getDb();
      expect(await migrateLatest(db)).toEqual(Object.keys(migrations));
      expect(await existingTables(db)).toEqual(TABLES);
    });
  });
}

describe('migrations on SQLite', () => {
  let dir: string;
  let db: Database;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'foyer-migrations-'));
    db = connectDatabase(`sqlite:${join(dir, 'foyer.db')}`);
  });
  afterAll(async () => {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });
  migrationSuite(() => db);
});

describeWithPostgres('migrations on PostgreSQL', () => {
  const pg = freshPostgresSchema();
  migrationSuite(() => pg.db);
});
