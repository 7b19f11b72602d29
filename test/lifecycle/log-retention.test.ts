/** Log retention (lifecycle.retention): the job runner purges audit entries older than their retention, and only those. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DAY_MS, manualClock } from '../../src/lib/clock.js';
import { SignInLog } from '../../src/audit/sign-in-log.js';
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

it('purges sign-in log entries past signInDays at the next run, and keeps the newer ones', async () => {
  const { db } = foyer.foyer;
  clock.advance(DAY_MS); // past the job's interval since the previous test's run
  const signIns = new SignInLog(db);
  const oldId = await signIns.record({ userPrincipalName: 'old@partner.test', isInteractive: true, result: 'success' });
  await db('sign_ins').where({ id: oldId }).update({ created_at: new Date(clock.now().getTime() - 8 * DAY_MS).toISOString() });
  const recentId = await signIns.record({ userPrincipalName: 'recent@partner.test', isInteractive: true, result: 'success' });
  await db('sign_ins').where({ id: recentId }).update({ created_at: new Date(clock.now().getTime() - 6 * DAY_MS).toISOString() });

  expect((await foyer.foyer.jobs.runDue())['logs: retention purge']).toBe('ran');
  expect(await db('sign_ins').whereIn('id', [oldId, recentId]).pluck('id')).toEqual([recentId]);

  clock.advance(2 * DAY_MS); // the recent one is now 8 days old
  await foyer.foyer.jobs.runDue();
  expect(await db('sign_ins').whereIn('id', [oldId, recentId])).toEqual([]);
});
