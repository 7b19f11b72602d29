/**
 * Inactive guests, with a controllable clock and mails over the real SMTP server: the sponsor is
 * told, then the guest is disabled, then deleted, on schedule; a guest who signs in is left alone;
 * invitations never redeemed are cleaned up; `foyer lifecycle plan` lists the same, changing
 * nothing; and a schedule that cannot work is a config error.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ConfigError, loadConfig } from '../../src/config/load-config.js';
import { DAY_MS, manualClock } from '../../src/lib/clock.js';
import { ensureBuilt, runCli } from '../cli/cli-harness.js';
import { redeemLink } from '../portal/portal-helpers.js';
import { Browser } from '../support/browserless.js';
import { PARTNER_USERS } from '../support/partner-idp.js';
import { baseConfig } from '../support/start-foyer.js';
import { APP_URL, startWorld, type World } from '../support/world.js';

const t0 = new Date();
const clock = manualClock(t0);
let world: World;
const db = () => world.foyer.foyer.db;
const at = (days: number) => new Date(t0.getTime() + days * DAY_MS);
const runDueAt = (days: number) => {
  clock.set(at(days));
  return world.foyer.foyer.jobs.runDue();
};
const activities = (userId: string) => db()('audit_log').where({ target_id: userId, actor_type: 'system' }).orderBy('activity_at').pluck('activity');

beforeAll(async () => {
  // The build first: a connection left idle through it would be reset by the server.
  await ensureBuilt();
  world = await startWorld({
    oidc: true,
    portal: true,
    smtp: true,
    clock,
    members: ['sponsor@contoso.example'],
    customize: (config) => {
      config.lifecycle = { inactiveGuests: { disableAfterDays: 90, deleteAfterDays: 180, notifyDaysBefore: 7 }, pendingInvitations: { deleteAfterDays: 30 } };
    },
  });
}, 240_000);
afterAll(() => world?.stop());

async function redeemed(login: string): Promise<string> {
  const invited = await world.invite(`${login}@partner.example`, { invitedUserSponsors: [{ id: world.members['sponsor@contoso.example'] }] });
  await redeemLink(world, new Browser(), invited.redeemUrl, login, APP_URL);
  expect((await world.foyer.foyer.users.findById(invited.userId))?.externalUserState).toBe('Accepted');
  return invited.userId;
}

describe('inactive guests', () => {
  let alice: string;
  let bob: string;
  let pending: string;

  beforeAll(async () => {
    expect(PARTNER_USERS.alice).toBeDefined();
    alice = await redeemed('alice');
    bob = await redeemed('bob');
    pending = (await world.invite('pat@partner.example')).userId;
    // The sign-ins happened at real time ≈ t0; the lifecycle reads them against the test's clock.
  });

  it('`foyer lifecycle plan` lists what would happen to whom, and changes nothing', async () => {
    const before = await db()('audit_log').count({ n: '*' }).first();
    const res = await runCli(['--config', join(world.foyer.dir, 'foyer.yaml'), 'lifecycle', 'plan', '--at', at(84).toISOString(), '--json']);
    expect(res.code, res.stderr).toBe(0);
    const plan = JSON.parse(res.stdout) as { steps: { action: string; mail: string }[] };
    expect(plan.steps.map((s) => [s.action, s.mail]).sort()).toEqual([
      ['deletePending', 'pat@partner.example'],
      ['notifyInactive', 'alice@partner.example'],
      ['notifyInactive', 'bob@partner.example'],
    ]);
    expect(await db()('audit_log').count({ n: '*' }).first()).toEqual(before);
    expect(world.smtp.messages.filter((m) => m.to.includes('sponsor@contoso.example'))).toEqual([]);
  });

  it('tells the sponsor a week before, disables at 90 days, deletes at 180; a guest who signs in is left alone; never-redeemed invitations go after 30 days', async () => {
    await runDueAt(10);
    expect(world.smtp.messages.filter((m) => m.to.includes('sponsor@contoso.example'))).toEqual([]);

    await runDueAt(84);
    const notices = [await world.smtp.waitForMessage('sponsor@contoso.example'), await world.smtp.waitForMessage('sponsor@contoso.example')];
    expect(notices.map((m) => m.subject).sort()).toEqual([expect.stringMatching(/^alice\b.* will be disabled on .* for inactivity$/i), expect.stringMatching(/^bob\b.* will be disabled on .* for inactivity$/i)]);
    expect(await world.foyer.foyer.users.findById(pending)).toBeUndefined();
    expect(await db()('audit_log').where({ activity: 'Delete user', target_id: pending }).pluck('details')).toEqual([expect.stringContaining('neverRedeemed')]);
    await runDueAt(84.5);
    expect(world.smtp.messages.filter((m) => m.to.includes('sponsor@contoso.example'))).toHaveLength(2);

    // Bob signs in on day 85.
    await db()('users').where({ id: bob }).update({ last_sign_in_at: at(85).toISOString() });

    await runDueAt(91);
    expect((await world.foyer.foyer.users.findById(alice))?.accountEnabled).toBe(false);
    expect((await world.foyer.foyer.users.findById(bob))?.accountEnabled).toBe(true);
    expect(await activities(alice)).toEqual(['Notify of inactivity', 'Disable account', 'Revoke sign-in sessions']);

    // And again on day 170.
    await db()('users').where({ id: bob }).update({ last_sign_in_at: at(170).toISOString() });
    await runDueAt(181);
    expect(await world.foyer.foyer.users.findById(alice)).toBeUndefined();
    expect(await db()('audit_log').where({ activity: 'Delete user', target_id: alice }).pluck('details')).toEqual([expect.stringContaining('"reason":"inactive"')]);
    expect((await world.foyer.foyer.users.findById(bob))?.accountEnabled).toBe(true);
    expect(await activities(bob)).toEqual(['Notify of inactivity']);
  });
});

describe('schedules that cannot work are config errors', () => {
  const cases: [Record<string, unknown>, string, RegExp][] = [
    [{ inactiveGuests: { disableAfterDays: 90, deleteAfterDays: 60 } }, 'lifecycle.inactiveGuests.deleteAfterDays', /more than disableAfterDays/],
    [{ inactiveGuests: { disableAfterDays: 5, notifyDaysBefore: 7 } }, 'lifecycle.inactiveGuests.notifyDaysBefore', /less than disableAfterDays/],
    [{ inactiveGuests: {} }, 'lifecycle.inactiveGuests', /set disableAfterDays, deleteAfterDays or both/],
    [{ inactiveGuests: { disableAfterDays: 0 } }, 'lifecycle.inactiveGuests.disableAfterDays', /at least 1 day/],
    [{ expiry: { noticeDays: 1.5 } }, 'lifecycle.expiry.noticeDays', /whole number/],
    [{ jobIntervalMinutes: 0 }, 'lifecycle.jobIntervalMinutes', /./],
  ];
  it.each(cases)('%j → %s', (lifecycle, path, problem) => {
    const dir = mkdtempSync(join(tmpdir(), 'foyer-lifecycle-config-'));
    try {
      const file = join(dir, 'foyer.yaml');
      writeFileSync(file, stringify({ ...baseConfig(3000), lifecycle }));
      let error: unknown;
      try {
        loadConfig(file, {});
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(ConfigError);
      const line = (error as ConfigError).problems.find((p) => p.includes(`: ${path}: `));
      expect(line, (error as ConfigError).problems.join('\n')).toMatch(problem);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
