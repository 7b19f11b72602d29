import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, appToken } from '../support/api-client.js';
import { errorCodeOf, headingOf, type Browser, type Page } from '../support/browserless.js';
import { APP_URL, latestOutboxMail, redeemUrlIn, startGuestWorld, type GuestWorld } from '../support/guest-world.js';
import { PARTNER_USERS } from '../support/partner-idp.js';
import { guestPageState, guestTableRows, memberOnMyApps, noticeOf, partnerUser, redeemedGuest, submitForm } from './portal-helpers.js';

let world: GuestWorld;
let admin: { browser: Browser; page: Page };
const ids = {} as Record<'alice' | 'dana' | 'pending', string>;
const issuer = () => world.foyer.issuer;
const db = () => world.foyer.foyer.db;
const ADMIN_PAGE = () => `${issuer()}/myapps/admin/guests`;
const APPROVER = '6b1f2d4e-8c3a-4f5b-9d7e-1a2b3c4d5e6f';

beforeAll(async () => {
  world = await startGuestWorld((config) => {
    (config.apps as Record<string, unknown>[])[0]!.appRoles = [{ id: APPROVER, value: 'approver', displayName: 'Approver' }];
  }, { users: { ...PARTNER_USERS, dana: partnerUser('dana') } });
  await world.foyer.createMember('admin@contoso.example', 'correct horse battery staple', { admin: true });
  await world.foyer.createMember('plain@contoso.example', 'correct horse battery staple');
  ids.alice = (await redeemedGuest(world, 'alice@partner.example', 'alice')).userId;
  ids.dana = (await redeemedGuest(world, 'dana@partner.example', 'dana')).userId;
  const token = await appToken(issuer(), 'portal-app');
  ids.pending = String(((await api(issuer(), token, 'POST', '/invitations', { invitedUserEmailAddress: 'pat@partner.example', inviteRedirectUrl: APP_URL })).body.invitedUser as { id: string }).id);
  admin = await memberOnMyApps(world.foyer, 'admin@contoso.example', '/myapps/admin/guests');
});
afterAll(() => world?.stop());

const rowOf = (page: Page, id: string) => guestTableRows(page.body).find((g) => g.id === id);
const guestPage = (id: string) => `${ADMIN_PAGE()}/${id}`;
/** Submits a destructive action, then its confirmation page (the first POST only asks). */
async function confirmAction(page: Page, suffix: string, fields: Record<string, string> = {}): Promise<Page> {
  const ask = await submitForm(admin.browser, page, suffix, fields);
  expect(ask.body).toContain('name="confirm" value="yes"');
  return submitForm(admin.browser, ask, suffix);
}

describe('the admin guest list', () => {
  it('lists guests with state, inviter, identity provider and last sign-in', async () => {
    const { page } = admin;
    expect([page.status, headingOf(page.body)]).toEqual([200, 'Guests']);
    const rows = guestTableRows(page.body);
    expect(rows.map((r) => r.id).sort()).toEqual([ids.alice, ids.dana, ids.pending].sort());
    const alice = rowOf(page, ids.alice)!;
    expect(alice.state).toBe('accepted');
    expect(alice.cells['invited-by']).toBe('Sign-up portal');
    expect(alice.cells.idps).toBe('Partner Org');
    expect(alice.cells['last-sign-in']).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
    const pat = rowOf(page, ids.pending)!;
    expect(pat.state).toBe('pending');
    expect(pat.cells['last-sign-in']).toBe('Never');
    expect(page.body).toMatch(/<strong>3<\/strong> guests match/);
  });

  it('filters by state and searches by name or email', async () => {
    const ofState = async (query: string) => guestTableRows((await admin.browser.navigate(`${ADMIN_PAGE()}?${query}`)).body).map((r) => r.id).sort();
    expect(await ofState('state=pending')).toEqual([ids.pending]);
    expect(await ofState('state=accepted')).toEqual([ids.alice, ids.dana].sort());
    expect(await ofState('q=ALICE')).toEqual([ids.alice]);
    expect(await ofState('q=partner.example&state=pending')).toEqual([ids.pending]);
    expect(await ofState('q=%25')).toEqual([]);
    // Nonsense in the query falls back to the defaults instead of failing.
    expect(await ofState('state=bogus&page=-3')).toHaveLength(3);
  });

  it('is for admins only', async () => {
    const { browser } = await memberOnMyApps(world.foyer, 'plain@contoso.example');
    const page = await browser.navigate(ADMIN_PAGE());
    expect([page.status, errorCodeOf(page.body)]).toEqual([403, 'consolePermissionRequired']);
    const csrf = browser.cookiesFor(issuer())['foyer.csrf']!;
    const res = await browser.request(`${ADMIN_PAGE()}/${ids.alice}/disable`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `_csrf=${csrf}` });
    expect(res.status).toBe(403);
    expect((await db()('users').where({ id: ids.alice }).first()).account_enabled).toBeTruthy();
    const role = await browser.request(`${ADMIN_PAGE()}/${ids.alice}/role`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `_csrf=${csrf}&role=${encodeURIComponent(`web-app ${APPROVER}`)}&op=give` });
    expect(role.status).toBe(403);
    expect(await db()('app_assignments').where({ principal_id: ids.alice })).toEqual([]);
    expect((await memberOnMyApps(world.foyer, 'plain@contoso.example')).page.body).not.toContain('Admin console');
  });
});

describe('the console by directory role', () => {
  it('shows a Guest Inviter the list and the invite form, but no disable, reset or role controls, and refuses them', async () => {
    const inviterId = await world.foyer.createMember('inviter@contoso.example', 'correct horse battery staple');
    await world.foyer.foyer.users.setRoles(inviterId, ['guestInviter']);
    const { browser } = await memberOnMyApps(world.foyer, 'inviter@contoso.example');
    const page = await browser.navigate(ADMIN_PAGE());
    expect([page.status, headingOf(page.body)]).toEqual([200, 'Guests']);
    expect(page.body).toContain('action="/myapps/admin/guests/invite"');
    expect(page.body).not.toContain(`/myapps/admin/guests/${ids.alice}/disable`);
    expect(page.body).not.toContain(`/myapps/admin/guests/${ids.alice}/role`);
    const before = await db()('users').where({ id: ids.alice }).first();
    const csrf = browser.cookiesFor(issuer())['foyer.csrf']!;
    for (const action of ['disable', 'reset']) {
      const res = await browser.request(`${ADMIN_PAGE()}/${ids.alice}/${action}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `_csrf=${csrf}` });
      expect([res.status, errorCodeOf(await res.text())]).toEqual([403, 'consolePermissionRequired']);
    }
    const role = await browser.request(`${ADMIN_PAGE()}/${ids.alice}/role`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `_csrf=${csrf}&role=${encodeURIComponent(`web-app ${APPROVER}`)}&op=give` });
    expect(role.status).toBe(403);
    expect(await db()('users').where({ id: ids.alice }).first()).toEqual(before);
    expect(await db()('app_assignments').where({ principal_id: ids.alice })).toEqual([]);
  });
});

describe('admin actions', () => {
  it('gives a guest an app role and takes it away; an unknown role is a 400 that writes nothing', async () => {
    const { browser } = admin;
    const appId = String((world.foyer.foyer.config.apps[0]!).id);
    let page = await browser.navigate(guestPage(ids.alice));
    expect(page.body).toContain('id="no-assignments"');
    page = await submitForm(browser, page, `/guests/${ids.alice}/role`, { role: `${appId} ${APPROVER}`, op: 'give' });
    expect(page.url).toMatch(new RegExp(`^${guestPage(ids.alice)}\\?done=`));
    expect(noticeOf(page.body)).toContain('admin@contoso.example): Add app role assignment to user');
    expect(page.body).toMatch(/<td data-label="Role" class="role">Approver \(approver\)<\/td>/);
    expect(await db()('app_assignments').where({ principal_id: ids.alice }).pluck('app_role_id')).toEqual([APPROVER]);
    const csrf = browser.cookiesFor(issuer())['foyer.csrf']!;
    const bad = await browser.request(`${ADMIN_PAGE()}/${ids.alice}/role`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `_csrf=${csrf}&role=${encodeURIComponent(`${appId} 0c9d8e7f-6a5b-4c3d-8e1f-2a3b4c5d6e7f`)}&op=give` });
    expect([bad.status, errorCodeOf(await bad.text())]).toEqual([400, 'invalidAppRoleId']);
    // Taking a role away removes an assignment: the first POST only asks.
    const ask = await submitForm(browser, page, `/guests/${ids.alice}/role`, { role: `${appId} ${APPROVER}`, op: 'take' });
    expect(await db()('app_assignments').where({ principal_id: ids.alice })).toHaveLength(1);
    page = await submitForm(browser, ask, `/guests/${ids.alice}/role`);
    expect(await db()('app_assignments').where({ principal_id: ids.alice })).toEqual([]);
    expect(noticeOf(page.body)).toContain('Remove app role assignment from user');
  });

  it('invites a guest to a chosen app; bad input is refused on the page', async () => {
    let page = await admin.browser.navigate(ADMIN_PAGE());
    page = await submitForm(admin.browser, page, '/invite', { email: 'quinn@partner.example', displayName: 'Quinn', redirect: APP_URL });
    expect(page.url).toMatch(new RegExp(`^${ADMIN_PAGE()}\\?done=`));
    expect(noticeOf(page.body)).toContain('Invite external user: Quinn (quinn@partner.example)');
    const quinn = await db()('users').where({ mail: 'quinn@partner.example' }).first();
    expect(rowOf(page, quinn.id)?.state).toBe('pending');
    expect(latestOutboxMail(world.foyer)).toContain('quinn@partner.example');
    const bad = await submitForm(admin.browser, page, '/invite', { email: 'x@partner.example', redirect: 'https://evil.example/' });
    expect(bad.status).toBe(400);
    expect(bad.body).toContain('inviteRedirectUrl must be a URL of a registered app');
    expect(await db()('users').where({ mail: 'x@partner.example' }).first()).toBeUndefined();
  });

  it('resends and withdraws a pending invitation', async () => {
    let page = await admin.browser.navigate(guestPage(ids.pending));
    const before = latestOutboxMail(world.foyer);
    page = await submitForm(admin.browser, page, `/${ids.pending}/resend`);
    expect(page.url).toMatch(new RegExp(`^${guestPage(ids.pending)}\\?done=`));
    expect(noticeOf(page.body)).toContain('Resend invitation: pat (pat@partner.example)');
    expect(latestOutboxMail(world.foyer)).not.toBe(before);
    page = await submitForm(admin.browser, page, `/${ids.pending}/revoke`);
    expect(guestPageState(page.body)).toBe('withdrawn');
    const again = await admin.browser.request(`${ADMIN_PAGE()}/${ids.pending}/revoke`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `_csrf=${admin.browser.cookiesFor(issuer())['foyer.csrf']}` });
    expect(again.status).toBe(409);
  });

  it('resets redemption: identities go, the guest is pending again with a new link', async () => {
    expect(await db()('identities').where({ user_id: ids.dana })).toHaveLength(1);
    const page = await confirmAction(await admin.browser.navigate(guestPage(ids.dana)), `/${ids.dana}/reset`);
    expect(page.url).toMatch(new RegExp(`^${guestPage(ids.dana)}\\?done=`));
    expect(noticeOf(page.body)).toContain('Reset redemption: ');
    expect(await db()('identities').where({ user_id: ids.dana })).toEqual([]);
    expect(guestPageState(page.body)).toBe('pending');
    expect(redeemUrlIn(latestOutboxMail(world.foyer))).toContain('/redeem?t=');
  });

  it('disables a guest (signed out everywhere) and enables them again', async () => {
    const sessions = () => db()('oidc_payloads').where({ model: 'Session' }).andWhere('payload', 'like', `%${ids.alice}%`);
    expect((await sessions()).length).toBeGreaterThan(0);
    let page = await confirmAction(await admin.browser.navigate(guestPage(ids.alice)), `/${ids.alice}/disable`);
    expect(guestPageState(page.body)).toBe('disabled');
    expect(noticeOf(page.body)).toMatch(/admin@contoso\.example\): Disable account: [^:]+ \(alice@partner\.example\)/);
    expect(await sessions()).toEqual([]);
    page = await submitForm(admin.browser, page, `/${ids.alice}/enable`);
    expect(guestPageState(page.body)).toBe('accepted');
    const activities = (await db()('audit_log').where({ target_id: ids.alice }).orderBy('activity_at')).map((a) => a.activity);
    expect(activities).toEqual(expect.arrayContaining(['Disable account', 'Revoke sign-in sessions', 'Enable account']));
  });

  it('answers 404 for a member, an unknown id or an unknown action', async () => {
    const member = await db()('users').where({ mail: 'plain@contoso.example' }).first();
    const post = (path: string) => admin.browser.request(`${ADMIN_PAGE()}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `_csrf=${admin.browser.cookiesFor(issuer())['foyer.csrf']}` });
    expect((await post(`/${member.id}/disable`)).status).toBe(404);
    expect((await post('/7f1c6a57-5b8e-4d4a-9a53-2f7a1d3c9e11/disable')).status).toBe(404);
    expect((await post(`/${ids.alice}/promote`)).status).toBe(404);
    expect((await db()('users').where({ id: member.id }).first()).account_enabled).toBeTruthy();
  });
});
