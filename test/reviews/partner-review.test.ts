/**
 * A review whose scope is the guests of one partner (`scope: { partner }`): only that partner's
 * guests are in it (here by their address at its domain), not the guests of another partner, not
 * guests of no partner, and not members, even one whose address is at the partner's domain. The
 * reviewer sees only those guests, and at the end the decisions are applied: the denied guest is
 * disabled, the others, in the review or not, are untouched.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DAY_MS, manualClock } from '../../src/lib/clock.js';
import { memberOnMyApps, PASSWORD } from '../portal/portal-helpers.js';
import { startFoyer, type RunningFoyer } from '../support/start-foyer.js';

const clock = manualClock(new Date());
let foyer: RunningFoyer;
const people: Record<string, string> = {};
const db = () => foyer.foyer.db;

beforeAll(async () => {
  foyer = await startFoyer(
    (config) => {
      config.partners = [
        { id: 'fabrikam', displayName: 'Fabrikam', domains: ['fabrikam.example'] },
        { id: 'northwind', displayName: 'Northwind', domains: ['northwind.example'] },
      ];
      config.accessReviews = [{ id: 'fabrikam-guests', displayName: 'Fabrikam guests', scope: { partner: 'fabrikam' }, reviewers: [{ users: ['rita@contoso.example'] }], recurrence: { every: '90d' }, durationInDays: 7, defaultDecision: 'keep' }];
    },
    { clock },
  );
  people.rita = await foyer.createMember('rita@contoso.example', PASSWORD);
  // A member of the host whose address is at the partner's domain (a contractor account, say).
  people.mo = await foyer.createMember('mo@fabrikam.example', PASSWORD);
  for (const mail of ['fay@fabrikam.example', 'fred@fabrikam.example', 'nora@northwind.example', 'gil@partner.example']) {
    people[mail.split('@')[0]!] = (await foyer.foyer.users.create({ mail, userType: 'Guest', externalUserState: 'Accepted' })).id;
  }
});
afterAll(() => foyer?.stop());

const state = async () => Object.fromEntries((await db()('users').whereIn('id', Object.values(people)).select('mail', 'account_enabled')).map((u) => [u.mail, Boolean(u.account_enabled)]));

it('reviews only the guests of that partner, and applies the decisions to them alone', async () => {
  const before = await state();
  clock.advance(15 * 60_000);
  expect((await foyer.foyer.jobs.runDue())['lifecycle: access reviews']).toBe('ran');
  const instance = await db()('access_review_instances').first();
  const inReview = await db()('access_review_decisions').where({ instance_id: instance.id }).pluck('principal_id');
  expect(inReview.sort()).toEqual([people.fay, people.fred].sort());
  expect((await db()('access_review_reviewers').where({ instance_id: instance.id }).pluck('principal_id')).sort()).toEqual([people.fay, people.fred].sort());

  const path = `/myapps/reviews/${instance.id}`;
  const rita = await memberOnMyApps(foyer, 'rita@contoso.example', path);
  expect(rita.page.status).toBe(200);
  for (const shown of ['fay@fabrikam.example', 'fred@fabrikam.example']) expect(rita.page.body).toContain(shown);
  for (const hidden of ['nora@northwind.example', 'gil@partner.example', 'mo@fabrikam.example']) expect(rita.page.body).not.toContain(hidden);

  // A decision about a guest outside the review changes nothing.
  const csrf = rita.browser.cookiesFor(foyer.issuer)['foyer.csrf']!;
  const decide = (who: string, decision: string) => rita.browser.request(`${foyer.issuer}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `_csrf=${csrf}&principalId=${people[who]}&decision=${decision}` });
  expect((await decide('nora', 'Deny')).status).toBe(403);
  expect((await decide('fred', 'Deny')).status).toBe(200);

  clock.advance(7 * DAY_MS);
  expect((await foyer.foyer.jobs.runDue())['lifecycle: access reviews']).toBe('ran');
  expect(await state()).toEqual({ ...before, 'fred@fabrikam.example': false });
  expect(await db()('audit_log').where({ activity: 'Disable account' }).pluck('target_id')).toEqual([people.fred]);
  expect(await db()('access_review_decisions').where({ instance_id: instance.id }).whereNull('applied_at')).toEqual([]);
});
