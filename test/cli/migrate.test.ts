import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrations } from '../../migrations/index.js';
import { connectDatabase } from '../../src/db/connect.js';
import { ensureBuilt, runCli, tempConfig, type TempConfig } from './cli-harness.js';

describe('foyer migrate', () => {
  let cfg: TempConfig;
  beforeAll(async () => {
    await ensureBuilt();
    cfg = tempConfig((raw) => {
      // Nothing else may migrate behind the command's back.
      raw.storage = { ...(raw.storage as object), autoMigrate: false };
    });
  });
  afterAll(() => cfg.remove());

  it('applies every migration to a new database, then reports it up to date', async () => {
    const first = await runCli(['migrate'], { config: cfg.file });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const names = Object.keys(migrations);
    expect(first.stdout).toContain(`applied ${names.length} migration(s): ${names.join(', ')}`);

    const second = await runCli(['migrate'], { config: cfg.file });
    expect(second.code).toBe(0);
    expect(second.stdout.trim()).toBe('the database is up to date');
  });

  it('three processes migrating one new SQLite file at once: one applies, the others find it up to date', async () => {
    const together = tempConfig((raw) => {
      raw.storage = { ...(raw.storage as object), autoMigrate: false };
    });
    try {
      const results = await Promise.all([0, 1, 2].map(() => runCli(['migrate'], { config: together.file })));
      expect(results.map((r) => r.code)).toEqual([0, 0, 0]);
      expect(results.filter((r) => r.stdout.startsWith('applied '))).toHaveLength(1);
      expect(results.filter((r) => r.stdout.trim() === 'the database is up to date')).toHaveLength(2);
      // One lock row: with two, knex would report "already locked" on every later start.
      const db = connectDatabase(together.databaseUrl);
      try {
        expect(await db('foyer_migrations_lock').select('*')).toEqual([{ index: 1, is_locked: 0 }]);
      } finally {
        await db.destroy();
      }
    } finally {
      together.remove();
    }
  });

  it('refuses to run with a bad config', async () => {
    const bad = tempConfig((raw) => {
      raw.storage = { databaseUrl: 'mysql://nope' };
    });
    try {
      const result = await runCli(['migrate'], { config: bad.file });
      expect(result.code).not.toBe(0);
      expect(result.stderr).toMatch(/foyer\.yaml: storage\.databaseUrl: must start with sqlite: or postgres:\/\//);
    } finally {
      bad.remove();
    }
  });
});
