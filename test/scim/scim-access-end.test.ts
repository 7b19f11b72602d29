/**
 * SCIM's `active` is whether the user may sign in at the request's instant: one second after a
 * guest's access end, before any expiry sweep, GET by id, the list and the filtered list say
 * active false (the stored flag is still true). A PATCH of another attribute changes that
 * attribute and does not disable the guest on the client's behalf; active true (PATCH, Entra's
 * "True", or PUT) is refused with 400 mutability and nothing written, before and after the sweep;
 * an explicit active false is kept. A new invitation with a new end is the way back. Real Foyer,
 * the lifecycle clock moved by hand.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS, manualClock } from '../../src/lib/clock.js';
import { startWorld, type World } from '../support/world.js';
import { ERROR, ScimDriver, scimToken, USER, type ScimAnswer } from './scim-driver.js';

const fabrikam = scimToken();
const clock = manualClock(new Date());
let world: World;
const db = () => world.foyer.foyer.db;
const scim = () => new ScimDriver(world.issuer, fabrikam.token);
const inDays = (n: number) => new Date(clock.now().getTime() + n * DAY_MS).toISOString();
const justAfter = (end: string) => clock.set(new Date(Date.parse(end) + 1000));

beforeAll(async () => {
  world = await startWorld({
    portal: true,
    smtp: true,
    clock,
    members: ['sponsor@contoso.example'],
    customize: (config) => {
      config.partners = [{ id: 'fabrikam', displayName: 'Fabrikam', domains: ['fabrikam.example'] }];
      config.scim = { clients: [{ id: 'fabrikam-sync', tokenSha256: fabrikam.sha256, provisions: 'guests', partner: 'fabrikam' }] };
    },
  });
});
afterAll(() => world?.stop());

/** A guest pushed in by the partner's SCIM client, then given an access end by an invitation. */
async function provisionedGuest(login: string, end: string): Promise<string> {
  const mail = `${login}@fabrikam.example`;
  const created = await scim().createUser(mail);
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const id = created.body.id as string;
  await world.invite(mail, { sendInvitationMessage: false, sendAgain: true, invitedUserSponsors: [{ id: world.members['sponsor@contoso.example'] }], accessExpirationDateTime: end });
  expect((await db()('users').where({ id }).first()).access_expires_at).toBe(end);
  return id;
}

/** Everything a SCIM write could change for the user: the row, the SCIM link, the audit entries. */
async function written(id: string) {
  return {
    user: await db()('users').where({ id }).first(),
    link: await db()('scim_resources').where({ resource_id: id }).first(),
    audit: await db()('audit_log').where({ target_id: id }).orderBy('id').select('activity', 'actor_id'),
  };
}

function expectMutability(answer: ScimAnswer) {
  expect([answer.status, answer.body.schemas, answer.body.scimType]).toEqual([400, [ERROR], 'mutability']);
  expect(answer.body.detail).toContain('accessExpired');
}

const activeOf = (answer: ScimAnswer, id: string) => answer.body.Resources!.find((r) => r.id === id)?.active;

describe('a provisioned guest one second after their access end, before any sweep', () => {
  it('reads as active false in GET by id, the list and the userName filter, while the stored flag is still true', async () => {
    const end = inDays(5);
    const id = await provisionedGuest('ann', end);
    expect((await scim().send('GET', `/Users/${id}`)).body.active).toBe(true);
    justAfter(end);

    expect((await db()('users').where({ id }).first()).account_enabled).toBeTruthy(); // no sweep has run
    const byId = await scim().send('GET', `/Users/${id}`);
    expect([byId.status, byId.body.active]).toEqual([200, false]);
    expect(activeOf(await scim().send('GET', '/Users'), id)).toBe(false);
    const filtered = await scim().findUser('ann@fabrikam.example');
    expect([filtered.body.totalResults, activeOf(filtered, id)]).toEqual([1, false]);
    // Filtering on active is not offered (an answer that could disagree with the resources): a 400.
    const byActive = await scim().send('GET', `/Users?filter=${encodeURIComponent('active eq true')}`);
    expect([byActive.status, byActive.body.scimType]).toEqual([400, 'invalidFilter']);
  });

  it('a PATCH of the display name changes only that: the guest is not disabled on the client’s behalf', async () => {
    const end = inDays(5);
    const id = await provisionedGuest('bea', end);
    justAfter(end);
    const res = await scim().patch(`/Users/${id}`, [{ op: 'Replace', path: 'displayName', value: 'Bea Renamed' }]);
    expect([res.status, res.body.displayName, res.body.active]).toEqual([200, 'Bea Renamed', false]);
    const after = await written(id);
    expect(after.user.account_enabled).toBeTruthy();
    expect(after.audit.filter((a) => a.activity === 'Disable account')).toEqual([]);
  });

  it('active true is refused with 400 mutability and nothing written: PATCH (Entra’s "True"), path-less replace, PUT', async () => {
    const end = inDays(5);
    const id = await provisionedGuest('cem', end);
    justAfter(end);
    const before = await written(id);
    expectMutability(await scim().patch(`/Users/${id}`, [{ op: 'Replace', path: 'active', value: 'True' }]));
    expectMutability(await scim().patch(`/Users/${id}`, [{ op: 'replace', value: { active: true, displayName: 'Cem Revived' } }]));
    expectMutability(await scim().send('PUT', `/Users/${id}`, { schemas: [USER], userName: 'cem@fabrikam.example', displayName: 'Cem Put', active: true }));
    expect(await written(id)).toEqual(before);
    expect((await scim().send('GET', `/Users/${id}`)).body).toMatchObject({ active: false, displayName: before.user.display_name });
  });

  it('an explicit active false is kept: the account is disabled, so a later extension does not bring back what the client switched off', async () => {
    const end = inDays(5);
    const id = await provisionedGuest('dan', end);
    justAfter(end);
    const res = await scim().patch(`/Users/${id}`, [{ op: 'Replace', path: 'active', value: 'False' }]);
    expect([res.status, res.body.active]).toEqual([200, false]);
    expect((await db()('users').where({ id }).first()).account_enabled).toBeFalsy();
    expect((await written(id)).audit).toContainEqual({ activity: 'Disable account', actor_id: 'scim:fabrikam-sync' });
  });
});

describe('after the sweep', () => {
  it('active true on the disabled guest is still refused; after a new invitation with a new end it enables them', async () => {
    const end = inDays(5);
    const id = await provisionedGuest('eda', end);
    justAfter(end);
    clock.advance(15 * 60_000);
    await world.foyer.foyer.jobs.runDue();
    expect((await db()('users').where({ id }).first()).account_enabled).toBeFalsy();

    const before = await written(id);
    expectMutability(await scim().patch(`/Users/${id}`, [{ op: 'Replace', path: 'active', value: 'True' }]));
    expect(await written(id)).toEqual(before);

    // The way back: a new invitation with a new end; the client may then switch the account on.
    await world.invite('eda@fabrikam.example', { sendInvitationMessage: false, sendAgain: true, accessExpirationDateTime: inDays(30) });
    const res = await scim().patch(`/Users/${id}`, [{ op: 'Replace', path: 'active', value: 'True' }]);
    expect([res.status, res.body.active]).toEqual([200, true]);
    expect((await db()('users').where({ id }).first()).account_enabled).toBeTruthy();
  });
});
