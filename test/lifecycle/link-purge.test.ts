/**
 * Dead single-use links are purged by the job runner, on the controllable clock: password reset
 * tickets and sponsors' extension links that were used or expired more than a week ago go (in
 * batches, however many there are), while open links and links dead for less than a week (a late
 * click still hears "already used" or "expired") stay.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DAY_MS, manualClock } from '../../src/lib/clock.js';
import { startFoyer, type RunningFoyer } from '../support/start-foyer.js';

const clock = manualClock(new Date());
let foyer: RunningFoyer;
let memberId: string;
let guestId: string;
const db = () => foyer.foyer.db;
const at = (days: number) => new Date(clock.now().getTime() + days * DAY_MS).toISOString();
const hash = () => randomBytes(32).toString('hex');

beforeAll(async () => {
  foyer = await startFoyer((config) => {
    config.passwordReset = { enabled: true };
  }, { clock });
  memberId = (await foyer.foyer.users.create({ mail: 'mia@contoso.example', userType: 'Member' })).id;
  guestId = (await foyer.foyer.users.create({ mail: 'gus@partner.example', userType: 'Guest', externalUserState: 'Accepted' })).id;
});
afterAll(() => foyer?.stop());

const ticket = (id: string, created: number, expires: number, used: number | null) => ({ id, user_id: memberId, token_hash: hash(), created_at: at(created), expires_at: at(expires), used_at: used === null ? null : at(used), requested_by: 'self' });
const link = (id: string, created: number, endsAt: number, used: number | null) => ({ id, token_hash: hash(), kind: 'user', target_id: guestId, sponsor_id: memberId, expires_at: at(endsAt), created_at: at(created), used_at: used === null ? null : at(used) });

it('purges password reset tickets used or expired over a week ago, in batches, and keeps the others', async () => {
  // 2,500 long-dead tickets: more than one batch.
  const old = Array.from({ length: 2500 }, () => ticket(randomUUID(), -30, -30 + 1 / 24, null));
  for (let i = 0; i < old.length; i += 200) await db()('password_reset_tickets').insert(old.slice(i, i + 200));
  await db()('password_reset_tickets').insert([
    ticket('open', 0, 1 / 24, null),
    ticket('used-8-days-ago', -8, 30, -8), // used, though not yet expired
    ticket('expired-8-days-ago', -9, -8, null),
    ticket('used-yesterday', -1, 30, -1),
    ticket('expired-yesterday', -2, -1, null),
  ]);
  expect((await foyer.foyer.jobs.runDue())['password reset: purge dead links']).toBe('ran');
  expect((await db()('password_reset_tickets').orderBy('id').pluck('id')).sort()).toEqual(['expired-yesterday', 'open', 'used-yesterday']);

  clock.advance(6 * DAY_MS + 1); // the "yesterday" ones are now dead for over a week; the open one for 6 days less an hour
  expect((await foyer.foyer.jobs.runDue())['password reset: purge dead links']).toBe('ran');
  expect(await db()('password_reset_tickets').pluck('id')).toEqual(['open']);
});

it('purges extension links used, past their end or past their validity over a week ago, and keeps the others', async () => {
  await db()('extension_links').insert([
    link('open', 0, 30, null),
    link('used-8-days-ago', -10, 30, -8),
    link('end-passed-8-days-ago', -20, -8, null),
    // linkValidDays (14 by default) ran out 8 days ago, though the end it names is still ahead.
    link('validity-ran-out-8-days-ago', -22, 60, null),
    link('used-yesterday', -3, 30, -1),
  ]);
  clock.advance(DAY_MS); // past the job's interval since the last run
  expect((await foyer.foyer.jobs.runDue())['lifecycle: purge dead extension links']).toBe('ran');
  expect((await db()('extension_links').pluck('id')).sort()).toEqual(['open', 'used-yesterday']);

  clock.advance(7 * DAY_MS);
  await foyer.foyer.jobs.runDue();
  expect(await db()('extension_links').pluck('id')).toEqual(['open']);
  // The guest and the sponsor themselves are untouched.
  expect(await db()('users').whereIn('id', [memberId, guestId]).count({ n: '*' }).first()).toMatchObject({ n: 2 });
});
