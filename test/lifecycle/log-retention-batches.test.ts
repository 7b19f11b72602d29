/**
 * The retention purge deletes in bounded batches (src/db/batched-delete.ts) on SQLite and
 * PostgreSQL: every batch holds at most `batch` rows, the newer entries stay, and a purge over
 * many rows is the sum of its batches.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { purgeOldLogs } from '../../src/audit/log-retention.js';
import { connectDatabase, type Database } from '../../src/db/connect.js';
import { migrateLatest } from '../../src/db/migrate.js';
import { DAY_MS, manualClock } from '../../src/lib/clock.js';
import { describeWithPostgres, freshPostgresSchema } from '../support/real-servers.js';

const now = new Date('2026-12-07T12:00:00.000Z');
const daysAgo = (days: number) => new Date(now.getTime() - days * DAY_MS).toISOString();

async function fill(db: Database, oldSignIns: number, freshSignIns: number, oldAudit: number, freshAudit: number): Promise<void> {
  const signIn = (at: string, upn: string) => ({ id: randomUUID(), created_at: at, user_principal_name: upn, is_interactive: true, result: 'success' });
  const audit = (at: string, activity: string) => ({ id: randomUUID(), activity_at: at, category: 'UserManagement', activity, result: 'success', actor_type: 'cli' });
  await db.batchInsert('sign_ins', [...Array.from({ length: oldSignIns }, () => signIn(daysAgo(8), 'old@partner.test')), ...Array.from({ length: freshSignIns }, () => signIn(daysAgo(6), 'fresh@partner.test'))], 100);
  await db.batchInsert('audit_log', [...Array.from({ length: oldAudit }, () => audit(daysAgo(31), 'Old change')), ...Array.from({ length: freshAudit }, () => audit(daysAgo(29), 'Recent change'))], 100);
}

function behaviours(database: () => Database, onPostgres: boolean): void {
  it('deletes the expired entries of both logs in batches of at most the batch size, and keeps the newer ones', async () => {
    const db = database();
    await fill(db, 25, 3, 12, 2);
    const batches: number[] = [];
    const purged = await purgeOldLogs(db, manualClock(now), { directoryAuditDays: 30, signInDays: 7 }, { batch: 10, pauseMs: 1, onBatch: (b) => batches.push(b.rows) });

    expect(purged).toEqual({ audit: 12, signIns: 25 });
    expect(batches).toEqual([10, 2, 10, 10, 5]); // audit first, then the sign-in log
    expect(await db('sign_ins').pluck('user_principal_name')).toEqual(['fresh@partner.test', 'fresh@partner.test', 'fresh@partner.test']);
    expect(await db('audit_log').whereIn('activity', ['Old change', 'Recent change']).pluck('activity')).toEqual(['Recent change', 'Recent change']);
  });

  it('a second purge finds nothing left to delete and runs no batch', async () => {
    const batches: number[] = [];
    const purged = await purgeOldLogs(database(), manualClock(now), { directoryAuditDays: 30, signInDays: 7 }, { batch: 10, onBatch: (b) => batches.push(b.rows) });
    expect(purged).toEqual({ audit: 0, signIns: 0 });
    expect(batches).toEqual([]);
  });

  it('the retention job deletes 500 log rows per statement unless told otherwise', async () => {
    const db = database();
    await fill(db, 620, 0, 0, 0);
    const batches: number[] = [];
    expect(await purgeOldLogs(db, manualClock(now), { signInDays: 7 }, { onBatch: (b) => batches.push(b.rows) })).toEqual({ audit: 0, signIns: 620 });
    expect(batches).toEqual([500, 120]);
  });

  it(`after purging most of a log, ${onPostgres ? 'vacuums that table at once (PostgreSQL)' : 'leaves freed pages to SQLite (no vacuum)'}; the fresh entries stay`, async () => {
    const db = database();
    await fill(db, 1500, 10, 0, 0);
    const reclaimed: string[] = [];
    expect(await purgeOldLogs(db, manualClock(now), { signInDays: 7, directoryAuditDays: 30 }, { pauseMs: 1, onReclaim: (t) => reclaimed.push(t) })).toEqual({ audit: 0, signIns: 1500 });
    expect(reclaimed).toEqual(onPostgres ? ['sign_ins'] : []);
    expect(await db('sign_ins').count({ n: '*' })).toEqual([{ n: onPostgres ? '13' : 13 }]);
  });
}

describe('retention purge in batches on SQLite', () => {
  let db: Database;
  beforeAll(async () => {
    db = connectDatabase('sqlite::memory:');
    await migrateLatest(db);
  });
  afterAll(() => db?.destroy());
  behaviours(() => db, false);
});

describeWithPostgres('retention purge in batches on PostgreSQL', () => {
  const pg = freshPostgresSchema();
  beforeAll(async () => {
    await migrateLatest(pg.db);
  });
  behaviours(() => pg.db, true);
});
