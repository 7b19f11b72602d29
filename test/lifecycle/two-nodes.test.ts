/**
 * Two Foyer nodes on one PostgreSQL and one Redis, both asked at the same moment to run what is
 * due: each lifecycle sweep runs on one of them, and each expired assignment is removed and audited
 * once.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { DAY_MS, manualClock } from '../../src/lib/clock.js';
import { describeWithPostgres, describeWithRedis, freshPostgresSchema, redisUrl } from '../support/real-servers.js';
import { startFoyer, type RunningFoyer } from '../support/start-foyer.js';

describeWithPostgres('lifecycle sweeps on two nodes', () => {
  describeWithRedis('PostgreSQL + Redis', () => {
    const pg = freshPostgresSchema();
    const start = new Date('2027-03-01T08:00:00.000Z');
    const clockA = manualClock(start);
    const clockB = manualClock(start);
    let a: RunningFoyer;
    let b: RunningFoyer;

    beforeAll(async () => {
      a = await startFoyer(() => {}, { databaseUrl: pg.url, redisUrl: redisUrl(), clock: clockA });
      b = await startFoyer(() => {}, { databaseUrl: pg.url, redisUrl: redisUrl(), clock: clockB });
    }, 60_000);
    afterAll(async () => {
      await a?.stop();
      await b?.stop();
    });

    it('runs each due sweep once between them, and removes each expired assignment once', async () => {
      const guests = [];
      for (let i = 0; i < 5; i++) {
        const guest = await a.foyer.users.create({ mail: `g${i}@partner.example`, userType: 'Guest', externalUserState: 'Accepted' });
        await pg.db('app_assignments').insert({ id: randomUUID(), app_id: 'web-app', principal_type: 'User', principal_id: guest.id, created_at: start.toISOString(), expires_at: new Date(start.getTime() + (i + 1) * DAY_MS).toISOString() });
        guests.push(guest.id);
      }
      for (const clock of [clockA, clockB]) clock.advance(10 * DAY_MS);
      const [ra, rb] = await Promise.all([a.foyer.jobs.runDue(), b.foyer.jobs.runDue()]);
      expect([ra['lifecycle: expiry'], rb['lifecycle: expiry']].sort()).toEqual(expect.arrayContaining(['ran']));
      expect([ra['lifecycle: expiry'], rb['lifecycle: expiry']].filter((o) => o === 'ran')).toHaveLength(1);
      expect(await pg.db('app_assignments').whereIn('principal_id', guests)).toEqual([]);
      const removals = await pg.db('audit_log').where({ activity: 'Remove app role assignment from user', actor_type: 'system' }).pluck('target_id');
      expect(removals.sort()).toEqual([...guests].sort());

      // Asked again at once: nothing is due on either node.
      const again = await Promise.all([a.foyer.jobs.runDue(), b.foyer.jobs.runDue()]);
      expect(again.map((r) => r['lifecycle: expiry'])).toEqual(['notDue', 'notDue']);
    });
  });
});
