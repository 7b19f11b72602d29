/**
 * An app-scoped review decided by the app's owners: a denied guest loses the assignment to that
 * app (audited), not their account, and a guest with no decision keeps it (defaultDecision: keep).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DAY_MS, manualClock } from '../../src/lib/clock.js';
import { memberOnMyApps, PASSWORD } from '../portal/portal-helpers.js';
import { errorCodeOf } from '../support/browserless.js';
import { startFoyer, type RunningFoyer } from '../support/start-foyer.js';

const clock = manualClock(new Date());
let foyer: RunningFoyer;
const guests: Record<string, string> = {};

beforeAll(async () => {
  foyer = await startFoyer(
    (config) => {
      Object.assign((config.apps as Record<string, unknown>[])[0]!, { owners: ['olga@contoso.example'] });
      config.accessReviews = [{ id: 'web-app-guests', displayName: 'Web App guests', scope: { app: 'web-app' }, reviewers: ['appOwners'], recurrence: { every: 'P12W' }, durationInDays: 7, defaultDecision: 'keep' }];
    },
    { clock },
  );
  await foyer.createMember('olga@contoso.example', PASSWORD);
  for (const name of ['eva', 'fay']) {
    const user = await foyer.foyer.users.create({ mail: `${name}@partner.example`, userType: 'Guest', externalUserState: 'Accepted' });
    await foyer.foyer.db('app_assignments').insert({ id: randomUUID(), app_id: 'web-app', principal_type: 'User', principal_id: user.id, created_at: clock.now().toISOString() });
    guests[name] = user.id;
  }
});
afterAll(() => foyer?.stop());

it('removes the denied guest’s assignment, keeps the unanswered one, and leaves both accounts enabled', async () => {
  clock.advance(DAY_MS);
  expect((await foyer.foyer.jobs.runDue())['lifecycle: access reviews']).toBe('ran');
  const instance = await foyer.foyer.db('access_review_instances').first();
  const path = `/myapps/reviews/${instance.id}`;
  const olga = await memberOnMyApps(foyer, 'olga@contoso.example', path);
  expect(olga.page.status).toBe(200);
  const csrf = olga.browser.cookiesFor(foyer.issuer)['foyer.csrf']!;
  const res = await olga.browser.request(`${foyer.issuer}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `_csrf=${csrf}&principalId=${guests.eva}&decision=Deny` });
  expect(res.status).toBe(200);
  const bogus = await olga.browser.request(`${foyer.issuer}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `_csrf=${csrf}&principalId=${guests.fay}&decision=Delete` });
  expect([bogus.status, errorCodeOf(await bogus.text())]).toEqual([400, 'invalidDecision']);

  clock.advance(7 * DAY_MS);
  await foyer.foyer.jobs.runDue();
  const assigned = await foyer.foyer.db('app_assignments').where({ app_id: 'web-app' }).pluck('principal_id');
  expect(assigned).toEqual([guests.fay]);
  expect(await foyer.foyer.db('users').whereIn('id', [guests.eva!, guests.fay!]).where({ account_enabled: true })).toHaveLength(2);
  const audit = await foyer.foyer.db('audit_log').where({ activity: 'Remove app role assignment from user', target_id: guests.eva });
  expect(audit).toHaveLength(1);
  expect(JSON.parse(audit[0].details)).toMatchObject({ appId: 'web-app', reason: 'accessReview', decision: 'Deny' });
});
