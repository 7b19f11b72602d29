/**
 * An access review with two reviewers, on a controllable clock, mails over the world's real SMTP
 * server: the job starts it and mails both reviewers, each decides on their page, a non-reviewer
 * can neither see nor decide, and at the end the decisions and the no-answer default (the
 * recommendation) are applied, audited; a decision after the end is refused.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DAY_MS, manualClock } from '../../src/lib/clock.js';
import { memberOnMyApps } from '../portal/portal-helpers.js';
import type { Browser } from '../support/browserless.js';
import { errorCodeOf } from '../support/browserless.js';
import { startWorld, type World } from '../support/world.js';

const clock = manualClock(new Date());
let world: World;
const issuer = () => world.foyer.issuer;
const db = () => world.foyer.foyer.db;
const runDue = () => {
  clock.advance(15 * 60_000); // past lifecycle.jobIntervalMinutes
  return world.foyer.foyer.jobs.runDue();
};
const guests: Record<string, string> = {};
let reviewPath: string;

beforeAll(async () => {
  world = await startWorld({
    portal: true,
    smtp: true,
    clock,
    members: ['rita@contoso.example', 'raj@contoso.example', 'intruder@contoso.example'],
    customize: (config) => {
      config.accessReviews = [
        { id: 'quarterly-guests', displayName: 'Quarterly guest review', scope: 'allGuests', reviewers: [{ users: ['rita@contoso.example', 'raj@contoso.example'] }], recurrence: { every: '90d' }, durationInDays: 14, defaultDecision: 'recommendation' },
      ];
    },
  });
  // ann and ben signed in last week, cat 40 days ago (recommended: deny), dan yesterday.
  for (const [name, daysAgo] of [['ann', 7], ['ben', 7], ['cat', 40], ['dan', 1]] as const) {
    const user = await world.foyer.foyer.users.create({ mail: `${name}@partner.example`, userType: 'Guest', externalUserState: 'Accepted' });
    await db()('users').where({ id: user.id }).update({ last_sign_in_at: new Date(clock.now().getTime() - daysAgo * DAY_MS).toISOString() });
    guests[name] = user.id;
  }
});
afterAll(() => world?.stop());

const decisions = async () => Object.fromEntries((await db()('access_review_decisions').select('principal_id', 'decision')).map((r) => [r.principal_id, r.decision]));
const enabled = async (name: string) => Boolean((await db()('users').where({ id: guests[name] }).first()).account_enabled);
async function decide(browser: Browser, name: string, decision: 'Approve' | 'Deny') {
  const csrf = browser.cookiesFor(issuer())['foyer.csrf']!;
  const res = await browser.request(`${issuer()}${reviewPath}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `_csrf=${csrf}&principalId=${guests[name]}&decision=${decision}` });
  return { status: res.status, body: await res.text() };
}

it('starts when due: one instance, one decision row per guest with its recommendation, a mail to each reviewer in their preferredLanguage', async () => {
  // rita reads French (Graph's preferredLanguage); raj has none: English, the default.
  await db()('users').where({ mail: 'rita@contoso.example' }).update({ preferred_language: 'fr-FR' });
  expect((await runDue())['lifecycle: access reviews']).toBe('ran');
  const instances = await db()('access_review_instances');
  expect(instances.map((i) => [i.definition_id, i.status])).toEqual([['quarterly-guests', 'InProgress']]);
  const rows = await db()('access_review_decisions').select('principal_id', 'recommendation');
  expect(Object.fromEntries(rows.map((r) => [r.principal_id, r.recommendation]))).toEqual({ [guests.ann!]: 'Approve', [guests.ben!]: 'Approve', [guests.cat!]: 'Deny', [guests.dan!]: 'Approve' });
  for (const [reviewer, subject] of [['rita@contoso.example', /^Revue d’accès ?: /], ['raj@contoso.example', /^Access review: /]] as const) {
    const mail = await world.smtp.waitForMessage(reviewer);
    expect(mail.subject).toContain('Quarterly guest review');
    expect(mail.subject).toMatch(subject);
    const text = mail.text.replace(/=\r?\n/g, '');
    expect(text).toContain(`${issuer()}/myapps/reviews/${instances[0].id}`);
  }
  reviewPath = `/myapps/reviews/${instances[0].id}`;
  // The next run within the 90 days starts nothing new.
  await runDue();
  expect(await db()('access_review_instances')).toHaveLength(1);
});

it('a non-reviewer can neither see the review nor decide: 403, nothing changed', async () => {
  const before = await decisions();
  const intruder = await memberOnMyApps(world.foyer, 'intruder@contoso.example', reviewPath);
  expect([intruder.page.status, errorCodeOf(intruder.page.body)]).toEqual([403, 'notAReviewer']);
  expect(intruder.page.body).not.toContain('cat@partner.example');
  const post = await decide(intruder.browser, 'ann', 'Deny');
  expect([post.status, errorCodeOf(post.body)]).toEqual([403, 'notAReviewer']);
  expect(await decisions()).toEqual(before);
  expect(Object.values(before).every((d) => d === null)).toBe(true);
});

it('each reviewer sees the guests with last sign-in and recommendation, and decides with a CSRF-protected POST', async () => {
  const rita = await memberOnMyApps(world.foyer, 'rita@contoso.example', reviewPath);
  expect(rita.page.status).toBe(200);
  expect(rita.page.body).toContain('Quarterly guest review');
  expect(rita.page.body).toMatch(/cat@partner\.example[\s\S]*?Deny \(no sign-in for 30 days\)/);

  const noCsrf = await rita.browser.request(`${issuer()}${reviewPath}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `principalId=${guests.ann}&decision=Deny` });
  expect([noCsrf.status, errorCodeOf(await noCsrf.text())]).toEqual([403, 'csrfTokenInvalid']);
  expect((await decisions())[guests.ann!]).toBeNull();

  expect((await decide(rita.browser, 'ann', 'Approve')).status).toBe(200);
  const raj = await memberOnMyApps(world.foyer, 'raj@contoso.example', reviewPath);
  expect((await decide(raj.browser, 'ben', 'Deny')).status).toBe(200);
  expect(await decisions()).toEqual({ [guests.ann!]: 'Approve', [guests.ben!]: 'Deny', [guests.cat!]: null, [guests.dan!]: null });
  expect(await db()('audit_log').where({ activity: 'Record access review decision' })).toHaveLength(2);
});

it('at the end applies the decisions and the default (the recommendation) for the unanswered, each audited; later decisions are refused', async () => {
  clock.advance(14 * DAY_MS);
  expect((await runDue())['lifecycle: access reviews']).toBe('ran');
  expect({ ann: await enabled('ann'), ben: await enabled('ben'), cat: await enabled('cat'), dan: await enabled('dan') }).toEqual({ ann: true, ben: false, cat: false, dan: true });
  const disabled = await db()('audit_log').where({ activity: 'Disable account', actor_type: 'system' }).pluck('target_id');
  expect(disabled.sort()).toEqual([guests.ben, guests.cat].sort());
  expect((await db()('access_review_decisions').whereNull('applied_at'))).toEqual([]);
  expect((await db()('access_review_instances').first()).status).toBe('Completed');

  const before = await decisions();
  const rita = await memberOnMyApps(world.foyer, 'rita@contoso.example', reviewPath);
  const late = await decide(rita.browser, 'dan', 'Deny');
  expect([late.status, errorCodeOf(late.body)]).toEqual([409, 'reviewEnded']);
  expect(await decisions()).toEqual(before);
  expect(await enabled('dan')).toBe(true);
});
