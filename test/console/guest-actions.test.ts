/**
 * The guest page's actions as an attacker would try them: a destructive POST without the
 * confirmation only asks (nothing changes), a POST without the CSRF token is refused, each
 * directory role gets exactly what the API would give it (403 consolePermissionRequired and no
 * change otherwise), and the sessions listed can be ended one at a time or all at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCodeOf, headingOf, type Browser } from '../support/browserless.js';
import { APP_URL, startGuestWorld, type GuestWorld } from '../support/guest-world.js';
import { PARTNER_USERS } from '../support/partner-idp.js';
import { guestPageState, memberOnMyApps, noticeOf, partnerUser, redeemedGuest, submitForm } from '../portal/portal-helpers.js';

let world: GuestWorld;
let admin: Browser;
const ids = {} as Record<'alice' | 'erin', string>;
const db = () => world.foyer.foyer.db;
const guestUrl = (id: string) => `${world.foyer.issuer}/myapps/admin/guests/${id}`;
const WEB_ROLE = '6b1f2d4e-8c3a-4f5b-9d7e-1a2b3c4d5e6f';

/** Everything an action could change about a guest (rows compared before and after). */
async function snapshot(id: string) {
  const [user, identities, assignments, invitations, sessions] = await Promise.all([
    db()('users').where({ id }).first(),
    db()('identities').where({ user_id: id }).orderBy('id'),
    db()('app_assignments').where({ principal_id: id }).orderBy('id'),
    db()('invitations').where({ user_id: id }).orderBy('id'),
    db()('oidc_payloads').whereIn('model', ['Session', 'Grant', 'RefreshToken']).andWhere('payload', 'like', `%${id}%`).orderBy('id').select('model', 'id'),
  ]);
  return { user, identities, assignments, invitations, sessions, audit: await db()('audit_log').where({ target_id: id }).count({ n: '*' }) };
}

const form = (browser: Browser, fields: Record<string, string>) => ({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ _csrf: browser.cookiesFor(world.foyer.issuer)['foyer.csrf'] ?? '', ...fields }).toString() });

beforeAll(async () => {
  world = await startGuestWorld(
    (config) => {
      (config.apps as Record<string, unknown>[])[0]!.appRoles = [{ id: WEB_ROLE, value: 'approver', displayName: 'Approver' }];
    },
    { users: { ...PARTNER_USERS, erin: partnerUser('erin') } },
  );
  await world.foyer.createMember('admin@contoso.example', 'correct horse battery staple', { admin: true, name: 'Ada Admin' });
  for (const [email, role] of [['inviter@contoso.example', 'guestInviter'], ['groups@contoso.example', 'groupsAdministrator'], ['useradmin@contoso.example', 'userAdministrator']] as const) {
    const id = await world.foyer.createMember(email, 'correct horse battery staple');
    await world.foyer.foyer.users.setRoles(id, [role]);
  }
  await world.foyer.createMember('plain@contoso.example', 'correct horse battery staple');
  ids.alice = (await redeemedGuest(world, 'alice@partner.example', 'alice')).userId;
  ids.erin = (await redeemedGuest(world, 'erin@partner.example', 'erin')).userId;
  const appId = String(world.foyer.foyer.config.apps[0]!.id);
  await world.foyer.foyer.db('app_assignments').where({ principal_id: ids.alice }).delete();
  admin = (await memberOnMyApps(world.foyer, 'admin@contoso.example')).browser;
  const page = await admin.navigate(guestUrl(ids.alice));
  await submitForm(admin, page, `/${ids.alice}/role`, { role: `${appId} ${WEB_ROLE}`, op: 'give' });
});
afterAll(() => world?.stop());

describe('the guest page', () => {
  it('shows profile, identities, assignments, sessions, sign-ins with their policy trace and the audit trail', async () => {
    const page = await admin.navigate(guestUrl(ids.alice));
    expect([page.status, headingOf(page.body)]).toEqual([200, 'alice']);
    expect(guestPageState(page.body)).toBe('accepted');
    expect(page.body).toContain('<td data-label="Identity provider">Partner Org</td>');
    expect(page.body).toMatch(/<td data-label="Role" class="role">Approver \(approver\)<\/td>/);
    expect(page.body).toMatch(/<tr class="session" data-session="[A-Za-z0-9_-]{22}">/);
    expect(page.body).toMatch(/id="sign-ins"[\s\S]*success/);
    expect(page.body).toMatch(/<td data-label="Activity">Add app role assignment to user<\/td><td data-label="By" class="mail">Ada Admin \(admin@contoso\.example\)<\/td><td data-label="Guest was">target<\/td>/);
    expect(page.body).toMatch(/<td data-label="Activity">Redeem invitation<\/td>/);
  });

  it('answers 404 for an unknown or malformed id, and for a member', async () => {
    const member = await db()('users').where({ mail: 'plain@contoso.example' }).first();
    for (const id of ['7f1c6a57-5b8e-4d4a-9a53-2f7a1d3c9e11', 'not-a-uuid', member.id]) {
      const page = await admin.navigate(guestUrl(id));
      expect([page.status, errorCodeOf(page.body)]).toEqual([404, 'guestNotFound']);
    }
  });
});

describe('destructive actions', () => {
  it('only ask on the first POST: disable, reset, sign out everywhere, delete, remove assignment, end session change nothing without confirm=yes', async () => {
    const page = await admin.navigate(guestUrl(ids.alice));
    const assignmentId = /data-assignment-id="([^"]+)"/.exec(page.body)![1]!;
    const sessionId = /data-session="([^"]+)"/.exec(page.body)![1]!;
    const before = await snapshot(ids.alice);
    for (const path of ['disable', 'reset', 'revoke-sessions', 'delete', `assignments/${assignmentId}/remove`, `sessions/${sessionId}/revoke`]) {
      const res = await admin.request(`${guestUrl(ids.alice)}/${path}`, form(admin, { confirm: 'no' }));
      const body = await res.text();
      expect([res.status, path]).toEqual([200, path]);
      expect(body).toContain('name="confirm" value="yes"');
      expect(body).toContain('alice@partner.example');
    }
    const take = await admin.request(`${guestUrl(ids.alice)}/role`, form(admin, { role: `${world.foyer.foyer.config.apps[0]!.id} ${WEB_ROLE}`, op: 'take' }));
    expect(await take.text()).toContain('name="confirm" value="yes"');
    expect(await snapshot(ids.alice)).toEqual(before);
  });

  it('refuses a POST without the CSRF token, even confirmed, and changes nothing', async () => {
    const before = await snapshot(ids.alice);
    for (const body of ['confirm=yes', '_csrf=forged-token-value&confirm=yes']) {
      const res = await admin.request(`${guestUrl(ids.alice)}/disable`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
      expect([res.status, errorCodeOf(await res.text())]).toEqual([403, 'csrfTokenInvalid']);
    }
    expect(await snapshot(ids.alice)).toEqual(before);
  });

  it('never shows or takes a session id: the page has an opaque handle, and a raw id or a wrong handle ends nothing', async () => {
    const page = await admin.navigate(guestUrl(ids.alice));
    const sessionIds = (await db()('oidc_payloads').where({ model: 'Session' }).andWhere('payload', 'like', `%${ids.alice}%`).pluck('id')) as string[];
    expect(sessionIds.length).toBeGreaterThan(0);
    for (const id of sessionIds) expect(page.body).not.toContain(id);
    const handle = /data-session="([^"]+)"/.exec(page.body)![1]!;
    const before = await snapshot(ids.alice);
    const erinBefore = await snapshot(ids.erin);
    const audit = await db()('audit_log').count({ n: '*' });
    for (const wrong of [sessionIds[0]!, `${handle.slice(0, -1)}${handle.endsWith('A') ? 'B' : 'A'}`, 'A'.repeat(22), 'not-a-handle']) {
      const res = await admin.request(`${guestUrl(ids.alice)}/sessions/${encodeURIComponent(wrong)}/revoke`, form(admin, { confirm: 'yes' }));
      expect([res.status, errorCodeOf(await res.text())]).toEqual([404, 'sessionNotFound']);
    }
    // Alice's handle under another guest's URL names none of that guest's sessions.
    const res = await admin.request(`${guestUrl(ids.erin)}/sessions/${handle}/revoke`, form(admin, { confirm: 'yes' }));
    expect([res.status, errorCodeOf(await res.text())]).toEqual([404, 'sessionNotFound']);
    expect(await snapshot(ids.alice)).toEqual(before);
    expect(await snapshot(ids.erin)).toEqual(erinBefore);
    expect(await db()('audit_log').count({ n: '*' })).toEqual(audit);
  });

  it('ends one session after confirmation: its grant and refresh tokens go, the notice says who did it to whom', async () => {
    let page = await admin.navigate(guestUrl(ids.alice));
    const handle = /data-session="([^"]+)"/.exec(page.body)![1]!;
    const sessionId = (await db()('oidc_payloads').where({ model: 'Session' }).andWhere('payload', 'like', `%${ids.alice}%`).first())!.id as string;
    const ask = await submitForm(admin, page, `/sessions/${handle}/revoke`);
    expect(headingOf(ask.body)).toBe('End one session of alice?');
    page = await submitForm(admin, ask, `/sessions/${handle}/revoke`);
    expect(noticeOf(page.body)).toContain('Ada Admin (admin@contoso.example): Revoke sign-in session: alice (alice@partner.example)');
    expect(await db()('oidc_payloads').where({ model: 'Session', id: sessionId })).toEqual([]);
    expect(await db()('oidc_payloads').whereIn('model', ['Grant', 'RefreshToken']).andWhere('payload', 'like', `%${ids.alice}%`)).toEqual([]);
    expect(page.body).toContain('id="no-sessions"');
    // Ending it again: the session is gone, 404, and no audit entry is added.
    const audit = await db()('audit_log').where({ target_id: ids.alice }).count({ n: '*' });
    const again = await admin.request(`${guestUrl(ids.alice)}/sessions/${handle}/revoke`, form(admin, { confirm: 'yes' }));
    expect([again.status, errorCodeOf(await again.text())]).toEqual([404, 'sessionNotFound']);
    expect(await db()('audit_log').where({ target_id: ids.alice }).count({ n: '*' })).toEqual(audit);
  });

  it('a session id of another guest ends nothing', async () => {
    const erinSession = (await db()('oidc_payloads').where({ model: 'Session' }).andWhere('payload', 'like', `%${ids.erin}%`).first())!.id as string;
    const before = await snapshot(ids.erin);
    const res = await admin.request(`${guestUrl(ids.alice)}/sessions/${erinSession}/revoke`, form(admin, { confirm: 'yes' }));
    expect([res.status, errorCodeOf(await res.text())]).toEqual([404, 'sessionNotFound']);
    expect(await snapshot(ids.erin)).toEqual(before);
  });

  it('signs a guest out everywhere, then deletes them, each after confirmation', async () => {
    let page = await admin.navigate(guestUrl(ids.erin));
    page = await submitForm(admin, await submitForm(admin, page, `/${ids.erin}/revoke-sessions`), `/${ids.erin}/revoke-sessions`);
    expect(noticeOf(page.body)).toContain('Revoke sign-in sessions: erin (erin@partner.example)');
    expect(await db()('oidc_payloads').where({ model: 'Session' }).andWhere('payload', 'like', `%${ids.erin}%`)).toEqual([]);
    page = await submitForm(admin, await submitForm(admin, page, `/${ids.erin}/delete`), `/${ids.erin}/delete`);
    expect(page.url).toMatch(/\/myapps\/admin\/guests\?done=/);
    expect(noticeOf(page.body)).toContain('Ada Admin (admin@contoso.example): Delete user: erin@partner.example');
    expect(await db()('users').where({ id: ids.erin }).first()).toBeUndefined();
  });
});

describe('by directory role', () => {
  const writes = (assignmentId: string) => ['disable', 'reset', 'revoke-sessions', 'delete', 'enable', `assignments/${assignmentId}/remove`];

  it('a Guest Inviter reads the list and the page (no audit), sees no actions but invite ones, and is refused every change', async () => {
    const { browser } = await memberOnMyApps(world.foyer, 'inviter@contoso.example');
    const list = await browser.navigate(`${world.foyer.issuer}/myapps/admin/guests`);
    expect([list.status, headingOf(list.body)]).toEqual([200, 'Guests']);
    expect(list.body).toContain('action="/myapps/admin/guests/invite"');
    const page = await browser.navigate(guestUrl(ids.alice));
    expect(page.status).toBe(200);
    expect(page.body).not.toMatch(/action="[^"]*\/(disable|reset|delete|revoke-sessions|role|remove|revoke)"/);
    expect(page.body).toContain('Reading the audit log needs a role with AuditLog.Read.All');
    const assignmentId = /data-assignment-id="([^"]+)"/.exec(page.body)![1]!;
    const before = await snapshot(ids.alice);
    for (const path of writes(assignmentId)) {
      const res = await browser.request(`${guestUrl(ids.alice)}/${path}`, form(browser, { confirm: 'yes' }));
      expect([res.status, errorCodeOf(await res.text()), path]).toEqual([403, 'consolePermissionRequired', path]);
    }
    expect(await snapshot(ids.alice)).toEqual(before);
  });

  it('a Groups Administrator reads but cannot invite or change a guest', async () => {
    const { browser } = await memberOnMyApps(world.foyer, 'groups@contoso.example');
    expect((await browser.navigate(`${world.foyer.issuer}/myapps/admin/guests`)).status).toBe(200);
    const page = await browser.navigate(guestUrl(ids.alice));
    expect(page.status).toBe(200);
    expect(page.body).not.toContain('action="/myapps/admin/guests/invite"');
    const assignmentId = /data-assignment-id="([^"]+)"/.exec(page.body)![1]!;
    const before = await snapshot(ids.alice);
    for (const path of [...writes(assignmentId), 'resend']) {
      const res = await browser.request(`${guestUrl(ids.alice)}/${path}`, form(browser, { confirm: 'yes' }));
      expect([res.status, errorCodeOf(await res.text()), path]).toEqual([403, 'consolePermissionRequired', path]);
    }
    const invite = await browser.request(`${world.foyer.issuer}/myapps/admin/guests/invite`, form(browser, { email: 'new@partner.example', redirect: APP_URL }));
    expect(invite.status).toBe(403);
    expect(await snapshot(ids.alice)).toEqual(before);
    expect(await db()('users').where({ mail_normalized: 'new@partner.example' }).first()).toBeUndefined();
  });

  it('a User Administrator acts (disable after confirmation, enable)', async () => {
    const { browser } = await memberOnMyApps(world.foyer, 'useradmin@contoso.example');
    let page = await browser.navigate(guestUrl(ids.alice));
    page = await submitForm(browser, await submitForm(browser, page, `/${ids.alice}/disable`), `/${ids.alice}/disable`);
    expect(guestPageState(page.body)).toBe('disabled');
    expect(noticeOf(page.body)).toContain('(useradmin@contoso.example): Disable account: alice (alice@partner.example)');
    page = await submitForm(browser, page, `/${ids.alice}/enable`);
    expect(guestPageState(page.body)).toBe('accepted');
  });

  it('a plain member and a guest get 403 on the list, the page, the export and every action', async () => {
    const member = (await memberOnMyApps(world.foyer, 'plain@contoso.example')).browser;
    // A guest signed in to My Apps with the session from redemption.
    const guest = (await redeemedGuest(world, 'bob@partner.example', 'bob')).browser;
    const myApps = await guest.navigate(`${world.foyer.issuer}/myapps`);
    expect(headingOf(myApps.body)).toBe('My Apps');
    for (const browser of [member, guest]) {
      for (const path of ['', `/${ids.alice}`, '/export.csv']) {
        const page = await browser.navigate(`${world.foyer.issuer}/myapps/admin/guests${path}`);
        expect([page.status, errorCodeOf(page.body), path]).toEqual([403, 'consolePermissionRequired', path]);
      }
      const before = await snapshot(ids.alice);
      for (const path of ['disable', 'delete', 'revoke-sessions']) {
        const res = await browser.request(`${guestUrl(ids.alice)}/${path}`, form(browser, { confirm: 'yes' }));
        expect(res.status).toBe(403);
      }
      expect(await snapshot(ids.alice)).toEqual(before);
    }
  });
});
