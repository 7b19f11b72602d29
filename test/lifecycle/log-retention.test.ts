/** Log retention (lifecycle.retention): the job runner purges audit entries older than their retention, and only those. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DAY_MS, manualClock } from '../../src/lib/clock.js';
import { startFoyer, type RunningFoyer } from '../support/start-foyer.js';

const t0 = new Date();
const clock = manualClock(t0);
let foyer: RunningFoyer;

beforeAll(async () => {
  foyer = await startFoyer((config) => {
    config.lifecycle = { retention: { directoryAuditDays: 30, signInDays: 7 } };
  }, { clock });
});
afterAll(() => foyer?.stop());

it('purges audit entries past directoryAuditDays at the next run, and keeps the newer ones', async () => {
  const { db, audit } = foyer.foyer;
  await audit.record({ category: 'UserManagement', activity: 'Old change', result: 'success', actor: { type: 'cli' } });
  await db('audit_log').where({ activity: 'Old change' }).update({ activity_at: new Date(t0.getTime() - 40 * DAY_MS).toISOString() });
  await audit.record({ category: 'UserManagement', activity: 'Recent change', result: 'success', actor: { type: 'cli' } });
  await db('audit_log').where({ activity: 'Recent change' }).update({ activity_at: new Date(t0.getTime() - 20 * DAY_MS).toISOString() });

  expect((await foyer.foyer.jobs.runDue())['logs: retention purge']).toBe('ran');
  expect(await db('audit_log').whereIn('activity', ['Old change', 'Recent change']).pluck('activity')).toEqual(['Recent change']);

  clock.advance(11 * DAY_MS); // the recent one is now 31 days old
  await foyer.foyer.jobs.runDue();
  expect(await db('audit_log').whereIn('activity', ['Old change', 'Recent change'])).toEqual([]);
});
