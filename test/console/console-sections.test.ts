/**
 * The console's directory and log sections (groups, apps, sign-in log, audit log, what-if,
 * configuration) as an admin, a Groups Administrator, a Guest Inviter, a plain member and a guest
 * use them: each gets exactly what their directory role allows, a refused request changes nothing,
 * removals ask first, and filters that cannot be read are a 400 page.
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { api, appToken } from '../support/api-client.js';
import type { Browser } from '../support/browserless.js';
import { daemonApp, useWorld } from '../support/world.js';
import { redeemedGuest } from '../portal/portal-helpers.js';
import { consoleBrowser, directoryRows, idsIn, open, postForm } from './console-helpers.js';

const APPROVER = '6b1f2d4e-8c3a-4f5b-9d7e-1a2b3c4d5e6f';
const ADMIN = 'admin@contoso.example';
const GROUPS_ADMIN = 'groups@contoso.example';
const INVITER = 'inviter@contoso.example';
const PLAIN = 'plain@contoso.example';

const world = useWorld({
  oidc: true,
  portal: true,
  members: [{ email: ADMIN, admin: true }, GROUPS_ADMIN, INVITER, PLAIN],
  apps: [daemonApp('admin-app', ['User.ReadWrite.All', 'Group.ReadWrite.All', 'User.Invite.All'], 'Admin tool')],
  customize: (config) => {
    config.delegatedManagement = { groupOwnersCanInvite: true };
    (config.apps as Record<string, unknown>[])[0]!.appRoles = [{ id: APPROVER, value: 'approver', displayName: 'Approver' }];
    config.conditionalAccess = [
      { id: 'guests-spa-mfa', displayName: 'Guests need MFA for the SPA', state: 'enabled', conditions: { users: { includeUsers: ['GuestsOrExternalUsers'] }, applications: { includeApplications: ['spa-app'] } }, grantControls: { builtInControls: ['mfa'] } },
      { id: 'members-report', displayName: 'Members MFA (report-only)', state: 'enabledForReportingButNotEnforced', conditions: { users: { includeUsers: ['Members'] }, applications: { includeApplications: ['All'] } }, grantControls: { builtInControls: ['mfa'] } },
    ];
  },
});

const url = (path: string) => `${world.issuer}/myapps/admin${path}`;
const db = () => world.foyer.foyer.db;
const browsers = {} as Record<'admin' | 'groups' | 'inviter' | 'plain' | 'guest', Browser>;
let guestId = '';

beforeAll(async () => {
  const users = world.foyer.foyer.users;
  await users.setRoles(world.members[GROUPS_ADMIN]!, ['groupsAdministrator']);
  await users.setRoles(world.members[INVITER]!, ['guestInviter']);
  browsers.admin = await consoleBrowser(world.foyer, ADMIN);
  browsers.groups = await consoleBrowser(world.foyer, GROUPS_ADMIN);
  browsers.inviter = await consoleBrowser(world.foyer, INVITER);
  browsers.plain = await consoleBrowser(world.foyer, PLAIN);
  const guest = await redeemedGuest(world, 'alice@partner.example', 'alice');
  guestId = guest.userId;
  browsers.guest = guest.browser;
}, 120_000);

/** Creates a group through the console as the admin and returns its id. */
async function createGroup(name: string, browser = browsers.admin): Promise<string> {
  const res = await postForm(browser, url('/groups'), { displayName: name, description: '' });
  expect(res.status, res.body.slice(0, 400)).toBe(303);
  return /\/groups\/([0-9a-f-]{36})\?notice=created/.exec(res.location ?? '')![1]!;
}

describe('the console menu', () => {
  it('lists each section to exactly the roles allowed in', async () => {
    const menu = async (b: Browser) => [...(await open(b, `${world.issuer}/myapps/admin/guests`)).body.matchAll(/<nav aria-label="Admin console sections">([\s\S]*?)<\/nav>/g)].flatMap((m) => [...m[1]!.matchAll(/href="([^"]+)"/g)].map((h) => h[1]!));
    expect(await menu(browsers.admin)).toEqual(['/myapps/admin/guests', '/myapps/admin/groups', '/myapps/admin/apps', '/myapps/admin/sign-ins', '/myapps/admin/audit', '/myapps/admin/what-if', '/myapps/admin/config', '/myapps/admin/invite']);
    expect(await menu(browsers.groups)).toEqual(['/myapps/admin/guests', '/myapps/admin/groups', '/myapps/admin/apps']);
    expect(await menu(browsers.inviter)).toEqual(['/myapps/admin/guests', '/myapps/admin/apps', '/myapps/admin/invite']);
  });
});

describe('groups', () => {
  it('creates, searches, renames, and manages members and owners, each change audited', async () => {
    const id = await createGroup('Finance reviewers');
    let page = await open(browsers.admin, url(`/groups/${id}?notice=created`));
    expect(page.body).toContain('Group Finance reviewers created.');

    let res = await postForm(browsers.admin, url(`/groups/${id}/members`), { email: PLAIN.toUpperCase() });
    expect(res.status).toBe(303);
    page = await open(browsers.admin, `${world.issuer}${res.location}`);
    expect(page.body).toContain(`${PLAIN} is now a member of Finance reviewers.`);
    expect(idsIn(page.body.split('id="owners-heading"')[0]!, 'user')).toEqual([world.members[PLAIN]]);
    expect((await postForm(browsers.admin, url(`/groups/${id}/owners`), { email: GROUPS_ADMIN })).status).toBe(303);

    // Adding again, or someone unknown, is refused on the page and writes nothing.
    const before = await directoryRows(db());
    res = await postForm(browsers.admin, url(`/groups/${id}/members`), { email: PLAIN });
    expect([res.status, res.code]).toEqual([400, 'alreadyMember']);
    res = await postForm(browsers.admin, url(`/groups/${id}/members`), { email: 'nobody@contoso.example' });
    expect([res.status, res.code]).toEqual([404, 'userNotFound']);
    res = await postForm(browsers.admin, url(`/groups/${id}/members`), { email: 'not an address' });
    expect([res.status, res.code]).toEqual([400, 'invalidRequest']);
    expect(await directoryRows(db())).toEqual(before);

    res = await postForm(browsers.admin, url(`/groups/${id}/rename`), { displayName: 'Finance approvers', description: 'Approve invoices' });
    expect(res.location).toBe(`/myapps/admin/groups/${id}?notice=renamed`);
    expect(await db()('groups').where({ id }).first()).toMatchObject({ display_name: 'Finance approvers', description: 'Approve invoices' });

    const found = await open(browsers.admin, url('/groups?q=APPROVERS'));
    expect(idsIn(found.body, 'group')).toEqual([id]);
    expect(idsIn((await open(browsers.admin, url('/groups?q=%25'))).body, 'group')).toEqual([]);

    const activities = await db()('audit_log').where({ target_id: id }).orderBy('activity_at').pluck('activity');
    expect(activities).toEqual(['Add group', 'Add member to group', 'Add owner to group', 'Update group']);
  });

  it('asks before removing a member and before deleting; the question alone changes nothing', async () => {
    const id = await createGroup('Temporary');
    await postForm(browsers.admin, url(`/groups/${id}/members`), { email: PLAIN });
    const member = world.members[PLAIN]!;
    const before = await directoryRows(db());
    const ask = await postForm(browsers.admin, url(`/groups/${id}/members/${member}/remove`));
    expect(ask.status).toBe(200);
    expect(ask.body).toContain(`${PLAIN} will no longer be a member of Temporary`);
    expect(ask.body).toContain('name="confirm" value="yes"');
    expect(await directoryRows(db())).toEqual(before);

    const done = await postForm(browsers.admin, url(`/groups/${id}/members/${member}/remove`), { confirm: 'yes' });
    expect(done.location).toMatch(new RegExp(`^/myapps/admin/groups/${id}\\?done=[A-Za-z0-9._-]+$`));
    expect((await open(browsers.admin, `${world.issuer}${done.location}`)).body).toContain(`${PLAIN} is no longer a member of Temporary.`);
    // The same link is no notice to anyone else (it names the viewer's own audit entry only).
    expect((await open(browsers.groups, `${world.issuer}${done.location}`)).body).not.toContain(PLAIN);
    expect(await db()('group_members').where({ group_id: id })).toEqual([]);

    // Deleting takes the group's app assignments with it, after confirmation.
    const token = await appToken(world.issuer, 'admin-app');
    expect((await api(world.issuer, token, 'POST', `/groups/${id}/appRoleAssignments`, { principalId: id, resourceId: 'web-app' })).status).toBe(201);
    const beforeDelete = await directoryRows(db());
    expect((await postForm(browsers.admin, url(`/groups/${id}/delete`))).body).toContain('This deletes the group Temporary');
    expect(await directoryRows(db())).toEqual(beforeDelete);
    const deleted = await postForm(browsers.admin, url(`/groups/${id}/delete`), { confirm: 'yes' });
    expect(deleted.location).toBe('/myapps/admin/groups?notice=deleted');
    expect(await db()('groups').where({ id }).first()).toBeUndefined();
    expect(await db()('app_assignments').where({ principal_id: id })).toEqual([]);
  });

  it('pages through many groups', async () => {
    const token = await appToken(world.issuer, 'admin-app');
    for (let i = 0; i < 51; i++) expect((await api(world.issuer, token, 'POST', '/groups', { displayName: `Paged ${String(i).padStart(2, '0')}` })).status).toBe(201);
    const first = await open(browsers.admin, url('/groups?q=Paged'));
    expect(idsIn(first.body, 'group')).toHaveLength(50);
    expect(first.body).toContain('href="/myapps/admin/groups?q=Paged&amp;page=2"');
    const second = await open(browsers.admin, url('/groups?q=Paged&page=2'));
    expect(idsIn(second.body, 'group')).toHaveLength(1);
    expect(second.body).toContain('Paged 50');
    for (const query of ['page=abc', 'page=0', 'q=a&q=b', 'sort=name', `q=${'x'.repeat(201)}`]) {
      const bad = await open(browsers.admin, url(`/groups?${query}`));
      expect([query.slice(0, 20), bad.status, bad.code]).toEqual([query.slice(0, 20), 400, 'invalidFilter']);
    }
    expect((await open(browsers.admin, url('/apps/web-app?page=two'))).status).toBe(400);
    expect((await open(browsers.admin, url('/apps/no-such-app'))).status).toBe(404);
    expect((await open(browsers.admin, url('/groups/not-a-group'))).status).toBe(404);
  });

  it('lets a Groups Administrator manage groups', async () => {
    const id = await createGroup('Made by the groups admin', browsers.groups);
    expect((await postForm(browsers.groups, url(`/groups/${id}/owners`), { email: PLAIN })).status).toBe(303);
    expect(await db()('group_owners').where({ group_id: id }).pluck('user_id')).toEqual([world.members[PLAIN]]);
  });

  it('refuses a Guest Inviter, a plain member and a guest, and nothing changes', async () => {
    const id = await createGroup('Guarded');
    const before = await directoryRows(db());
    for (const who of ['inviter', 'plain', 'guest'] as const) {
      const b = browsers[who];
      for (const path of ['/groups', `/groups/${id}`]) {
        const page = await open(b, url(path));
        expect([who, path, page.status, page.code]).toEqual([who, path, 403, 'consolePermissionRequired']);
      }
      for (const [path, fields] of [
        ['/groups', { displayName: 'Sneaky' }],
        [`/groups/${id}/members`, { email: INVITER }],
        [`/groups/${id}/owners`, { email: INVITER }],
        [`/groups/${id}/rename`, { displayName: 'Renamed' }],
        [`/groups/${id}/delete`, { confirm: 'yes' }],
      ] as const) {
        const res = await postForm(b, url(path), fields);
        expect([who, path, res.status, res.code]).toEqual([who, path, 403, 'consolePermissionRequired']);
      }
    }
    expect(await directoryRows(db())).toEqual(before);
  });

  it('lets a group owner change its members, not its owners, name or existence', async () => {
    const id = await createGroup('Owned');
    const other = await createGroup('Not theirs');
    await postForm(browsers.admin, url(`/groups/${id}/owners`), { email: PLAIN });
    const page = await open(browsers.plain, url(`/groups/${id}`));
    expect(page.status).toBe(200);
    expect(page.body).toContain(`action="/myapps/admin/groups/${id}/members"`);
    expect(page.body).not.toContain(`action="/myapps/admin/groups/${id}/owners"`);
    expect(page.body).not.toContain('/rename"');
    expect((await postForm(browsers.plain, url(`/groups/${id}/members`), { email: INVITER })).status).toBe(303);
    const inviter = world.members[INVITER]!;
    expect((await postForm(browsers.plain, url(`/groups/${id}/members/${inviter}/remove`))).status).toBe(200);
    expect(await db()('group_members').where({ group_id: id }).pluck('user_id')).toEqual([inviter]);
    expect((await postForm(browsers.plain, url(`/groups/${id}/members/${inviter}/remove`), { confirm: 'yes' })).status).toBe(303);
    expect(await db()('audit_log').where({ target_id: id, activity: 'Remove member from group' }).pluck('details')).toEqual([JSON.stringify({ userId: inviter, asOwner: true })]);

    const before = await directoryRows(db());
    for (const [path, fields] of [
      [`/groups/${id}/owners`, { email: INVITER }],
      [`/groups/${id}/owners/${world.members[PLAIN]}/remove`, { confirm: 'yes' }],
      [`/groups/${id}/rename`, { displayName: 'Mine now' }],
      [`/groups/${id}/delete`, { confirm: 'yes' }],
      [`/groups/${other}/members`, { email: INVITER }],
      ['/groups', { displayName: 'New' }],
    ] as const) {
      const res = await postForm(browsers.plain, url(path), fields);
      expect([path, res.status, res.code]).toEqual([path, 403, 'consolePermissionRequired']);
    }
    expect((await open(browsers.plain, url(`/groups/${other}`))).status).toBe(403);
    expect((await open(browsers.plain, url('/groups'))).status).toBe(403);
    expect(await directoryRows(db())).toEqual(before);
  });
});

describe('a group owner adding a member by email', () => {
  it('gets the same answer for an address nobody has and for a guest they may not see, and nothing changes', async () => {
    const id = await createGroup('Owner probe');
    await postForm(browsers.admin, url(`/groups/${id}/owners`), { email: INVITER });
    const ownerBrowser = await consoleBrowser(world.foyer, INVITER);
    // Alice is a guest of the directory, in no group the inviter owns.
    const before = await directoryRows(db());
    // The statements each answer runs: the same number either way, so the time taken tells nothing either.
    const statementsOf = async <T>(send: () => Promise<T>): Promise<[T, number]> => {
      let count = 0;
      const onQuery = () => void count++;
      db().on('query', onQuery);
      try {
        return [await send(), count];
      } finally {
        db().off('query', onQuery);
      }
    };
    const [hidden, hiddenStatements] = await statementsOf(() => postForm(ownerBrowser, url(`/groups/${id}/members`), { email: 'alice@partner.example' }));
    const [unknown, unknownStatements] = await statementsOf(() => postForm(ownerBrowser, url(`/groups/${id}/members`), { email: 'nobody@partner.example' }));
    expect(hiddenStatements).toBeGreaterThan(0);
    expect(unknownStatements).toBe(hiddenStatements);
    // Per-request values (nonces, CSRF) aside, the two pages are the same once the typed address is.
    const normalized = (body: string, email: string) =>
      body
        .replaceAll(email, 'ADDRESS')
        .replace(/nonce="[^"]*"/g, '')
        .replace(/name="_csrf" value="[^"]*"/g, '')
        .replace(/Reference: [0-9a-f-]{36}/g, '');
    expect([hidden.status, hidden.code]).toEqual([404, 'userNotFound']);
    expect([unknown.status, unknown.code]).toEqual([404, 'userNotFound']);
    expect(normalized(hidden.body, 'alice@partner.example')).toBe(normalized(unknown.body, 'nobody@partner.example'));
    expect(hidden.body).not.toContain(guestId);
    expect(await directoryRows(db())).toEqual(before);

    // An admin adds the guest to the group; now the owner sees her there, and the form says so.
    expect((await postForm(browsers.admin, url(`/groups/${id}/members`), { email: 'alice@partner.example' })).status).toBe(303);
    const visible = await postForm(ownerBrowser, url(`/groups/${id}/members`), { email: 'alice@partner.example' });
    expect([visible.status, visible.code]).toEqual([400, 'alreadyMember']);
    // Members of the organisation stay findable.
    expect((await postForm(ownerBrowser, url(`/groups/${id}/members`), { email: PLAIN })).status).toBe(303);
  });
});

describe('the notice after a group change', () => {
  it('cannot be crafted to show another user’s email: it only repeats an audit entry the viewer made on that group', async () => {
    const id = await createGroup('Notice probe');
    await postForm(browsers.admin, url(`/groups/${id}/owners`), { email: PLAIN });
    const owner = await consoleBrowser(world.foyer, PLAIN);
    const before = await directoryRows(db());
    // The old link shape, naming any user: no email on the page.
    const crafted = await open(owner, url(`/groups/${id}?notice=added-member&user=${guestId}`));
    expect(crafted.status).toBe(200);
    expect(crafted.body).not.toContain('alice@partner.example');
    // The admin's own correlation ids (from the audit log) are no notice for the owner either.
    const adminIds = (await db()('audit_log').where({ actor_id: world.members[ADMIN] }).whereNotNull('correlation_id').pluck('correlation_id')) as string[];
    expect(adminIds.length).toBeGreaterThan(0);
    for (const done of adminIds.slice(-5)) {
      const page = await open(owner, url(`/groups/${id}?done=${encodeURIComponent(done)}`));
      expect(page.status).toBe(200);
      expect(page.body).not.toMatch(/is now (a member|an owner)|is no longer/);
    }
    for (const bad of ['x', '<script>', 'a'.repeat(200)]) expect((await open(owner, url(`/groups/${id}?done=${encodeURIComponent(bad)}`))).status).toBe(200);
    expect(await directoryRows(db())).toEqual(before);
  });
});

describe('apps', () => {
  it('shows the registration as loaded, without the client secret, and the policies that reach it', async () => {
    const page = await open(browsers.inviter, url('/apps/web-app'));
    expect(page.status).toBe(200);
    expect(page.body).toContain('http://127.0.0.1:9999/callback');
    expect(page.body).toContain('Confidential (has a client secret)');
    expect(page.body).toContain('Approver (approver)');
    expect(page.body).not.toContain(world.foyer.foyer.config.apps[0]!.clientSecret!);
    expect(idsIn(page.body, 'policy')).toEqual(['members-report']);
    expect(idsIn((await open(browsers.admin, url('/apps/spa-app'))).body, 'policy')).toEqual(['guests-spa-mfa', 'members-report']);
    // The inviter may look but is offered no assignment form.
    expect(page.body).not.toContain('/assign"');
  });

  it('assigns a user in a role and a group, and asks before removing', async () => {
    let res = await postForm(browsers.admin, url('/apps/web-app/assign'), { principalType: 'User', principal: 'alice@partner.example', role: APPROVER });
    expect(res.location).toMatch(/^\/myapps\/admin\/apps\/web-app\?done=[A-Za-z0-9._-]+$/);
    // The old link shape, naming the user, is refused as a query the page does not take.
    expect((await open(browsers.admin, url(`/apps/web-app?notice=assigned&assignment=${guestId}`))).status).toBe(400);
    const page = await open(browsers.admin, `${world.issuer}${res.location}`);
    expect(page.body).toContain('alice@partner.example is now assigned to Web App.');
    const [assignment] = await db()('app_assignments').where({ principal_id: guestId });
    expect(assignment).toMatchObject({ app_id: 'web-app', app_role_id: APPROVER });
    expect(page.body).toContain(`data-assignment-id="${assignment.id}"`);

    const groupId = await createGroup('Web users');
    res = await postForm(browsers.admin, url('/apps/web-app/assign'), { principalType: 'Group', principal: 'Web users', role: '' });
    expect(res.status).toBe(303);
    expect(await db()('app_assignments').where({ principal_id: groupId }).pluck('app_role_id')).toEqual(['00000000-0000-0000-0000-000000000000']);

    const before = await directoryRows(db());
    res = await postForm(browsers.admin, url('/apps/web-app/assign'), { principalType: 'User', principal: 'alice@partner.example', role: APPROVER });
    expect([res.status, res.code]).toEqual([409, 'assignmentExists']);
    res = await postForm(browsers.admin, url('/apps/web-app/assign'), { principalType: 'User', principal: 'alice@partner.example', role: '0c9d8e7f-6a5b-4c3d-8e1f-2a3b4c5d6e7f' });
    expect([res.status, res.code]).toEqual([400, 'invalidAppRoleId']);
    res = await postForm(browsers.admin, url('/apps/web-app/assign'), { principalType: 'Robot', principal: 'x' });
    expect([res.status, res.code]).toEqual([400, 'invalidRequest']);
    const ask = await postForm(browsers.admin, url(`/apps/web-app/assignments/${assignment.id}/remove`));
    expect(ask.body).toContain('loses the role approver in Web App');
    expect(await directoryRows(db())).toEqual(before);

    res = await postForm(browsers.admin, url(`/apps/web-app/assignments/${assignment.id}/remove`), { confirm: 'yes' });
    expect(res.location).toMatch(/^\/myapps\/admin\/apps\/web-app\?done=[A-Za-z0-9._-]+$/);
    expect((await open(browsers.admin, `${world.issuer}${res.location}`)).body).toContain('An assignment of alice@partner.example to Web App was removed.');
    // Shown at another app, or to another reader, the link says nothing.
    expect((await open(browsers.admin, `${world.issuer}${res.location!.replace('web-app', 'spa-app')}`)).body).not.toContain('alice@partner.example');
    expect((await open(browsers.inviter, `${world.issuer}${res.location}`)).body).not.toContain('was removed');
    expect(await db()('app_assignments').where({ id: assignment.id }).first()).toBeUndefined();
    // Through another app's URL the assignment id is simply not found.
    const other = await db()('app_assignments').where({ principal_id: groupId }).first();
    res = await postForm(browsers.admin, url(`/apps/spa-app/assignments/${other.id}/remove`), { confirm: 'yes' });
    expect(res.status).toBe(404);
    expect(await db()('app_assignments').where({ id: other.id }).first()).toBeDefined();
  });

  it('lets a Groups Administrator assign groups but not users, as the API does', async () => {
    const groupId = await createGroup('Spa users', browsers.groups);
    expect((await postForm(browsers.groups, url('/apps/spa-app/assign'), { principalType: 'Group', principal: groupId })).status).toBe(303);
    const token = await appToken(world.issuer, 'admin-app');
    const created = await api(world.issuer, token, 'POST', `/users/${guestId}/appRoleAssignments`, { principalId: guestId, resourceId: 'spa-app' });
    const before = await directoryRows(db());
    let res = await postForm(browsers.groups, url('/apps/spa-app/assign'), { principalType: 'User', principal: 'alice@partner.example' });
    expect([res.status, res.code]).toEqual([403, 'consolePermissionRequired']);
    res = await postForm(browsers.groups, url(`/apps/spa-app/assignments/${String(created.body.id)}/remove`), { confirm: 'yes' });
    expect([res.status, res.code]).toEqual([403, 'consolePermissionRequired']);
    for (const b of [browsers.inviter, browsers.plain, browsers.guest]) {
      res = await postForm(b, url('/apps/spa-app/assign'), { principalType: 'Group', principal: groupId });
      expect(res.status).toBe(403);
    }
    expect(await directoryRows(db())).toEqual(before);
  });

  it('is closed to plain members and guests', async () => {
    for (const b of [browsers.plain, browsers.guest]) {
      for (const path of ['/apps', '/apps/web-app']) expect((await open(b, url(path))).status).toBe(403);
    }
  });
});

describe('the sign-in log', () => {
  it('lists sign-ins with filters and shows every policy evaluated, and why', async () => {
    const page = await open(browsers.admin, url(`/sign-ins?user=${encodeURIComponent(ADMIN)}&status=success`));
    expect(page.status).toBe(200);
    const [id] = idsIn(page.body, 'sign-in');
    expect(id).toBeDefined();
    expect(idsIn((await open(browsers.admin, url(`/sign-ins?user=${encodeURIComponent(ADMIN)}&status=failure`))).body, 'sign-in')).toEqual([]);
    expect(idsIn((await open(browsers.admin, url('/sign-ins?to=2000-01-01'))).body, 'sign-in')).toEqual([]);
    const today = new Date().toISOString().slice(0, 10);
    expect(idsIn((await open(browsers.admin, url(`/sign-ins?from=${today}&to=${today}&user=${encodeURIComponent(ADMIN)}`))).body, 'sign-in')).toContain(id);

    const detail = await open(browsers.admin, url(`/sign-ins/${id}`));
    expect(detail.status).toBe(200);
    const policies = [...detail.body.matchAll(/data-policy-id="([^"]+)" data-applied="([^"]+)" data-result="([^"]+)"/g)].map((m) => [m[1], m[2], m[3]]);
    expect(policies).toEqual([
      ['guests-spa-mfa', 'false', 'notApplied'],
      ['members-report', 'true', 'reportOnlyInterrupted'],
    ]);
    expect(detail.body).toMatch(/class="reason">[^<]+</);
    expect(detail.body).toContain('mfa (not satisfied)');
  });

  it('pages by keyset: each sign-in once, newest first; a link made for another filter or edited is refused', async () => {
    const model = (await db()('sign_ins').first()) as Record<string, unknown>;
    const base = Date.parse('2026-01-01T00:00:00.000Z');
    const rows = Array.from({ length: 60 }, (_, i) => ({ ...model, id: randomUUID(), app_id: 'paging-app', created_at: new Date(base + Math.floor(i / 2) * 1000).toISOString() }));
    await db()('sign_ins').insert(rows);
    const expected = [...rows].sort((a, b) => (a.created_at === b.created_at ? (a.id < b.id ? 1 : -1) : a.created_at < b.created_at ? 1 : -1)).map((r) => r.id);
    const first = await open(browsers.admin, url('/sign-ins?app=paging-app'));
    expect(first.body).not.toContain('>First page<');
    const next = /href="([^"]*after=[^"]+)">Next page</.exec(first.body)?.[1]?.replaceAll('&amp;', '&');
    expect(next).toBeDefined();
    const second = await open(browsers.admin, new URL(next!, url('/')).toString());
    expect(second.body).toContain('>First page<');
    expect(second.body).not.toContain('Next page');
    expect([...idsIn(first.body, 'sign-in'), ...idsIn(second.body, 'sign-in')]).toEqual(expected);
    const token = new URL(next!, url('/')).searchParams.get('after')!;
    for (const query of [`app=other-app&after=${encodeURIComponent(token)}`, `app=paging-app&after=${encodeURIComponent(token.slice(0, -2))}xx`, 'app=paging-app&after=junk']) {
      const page = await open(browsers.admin, url(`/sign-ins?${query}`));
      expect([query, page.status, page.code]).toEqual([query, 400, 'invalidFilter']);
    }
  });

  it('answers unreadable filters with a 400 page', async () => {
    for (const query of ['status=maybe', 'from=yesterday', 'page=abc', 'page=0', 'ca=perhaps', 'app=%3Cscript%3E', 'from=2026-12-07&to=2026-12-01', 'status=success&status=failure', 'colour=blue']) {
      const page = await open(browsers.admin, url(`/sign-ins?${query}`));
      expect([query, page.status, page.code]).toEqual([query, 400, 'invalidFilter']);
    }
    expect((await open(browsers.admin, url('/sign-ins/not-an-id'))).status).toBe(404);
  });

  it('is refused to everyone without AuditLog.Read.All', async () => {
    for (const who of ['groups', 'inviter', 'plain', 'guest'] as const) {
      for (const path of ['/sign-ins', '/audit']) {
        const page = await open(browsers[who], url(path));
        expect([who, path, page.status, page.code]).toEqual([who, path, 403, 'consolePermissionRequired']);
      }
    }
  });
});

describe('the audit log', () => {
  it('lists directory audit entries with the API’s filters, people named by email', async () => {
    const id = await createGroup('Audited');
    const page = await open(browsers.admin, url(`/audit?target=${id}`));
    expect(page.status).toBe(200);
    expect(page.body).toContain('Add group');
    expect(page.body).toMatch(new RegExp(`class="initiator">${ADMIN}<`));
    expect(idsIn(page.body, 'audit')).toHaveLength(1);
    const byActivity = await open(browsers.admin, url(`/audit?activity=${encodeURIComponent('Add group')}&initiator=${encodeURIComponent(GROUPS_ADMIN)}`));
    expect(idsIn(byActivity.body, 'audit').length).toBe(2);
    expect(idsIn((await open(browsers.admin, url('/audit?category=RoleManagement&from=2099-01-01'))).body, 'audit')).toEqual([]);
    for (const query of ['category=Nonsense', 'from=31/12/2026', 'initiator=nobody@contoso.example', 'target=not-an-id', 'page=-1']) {
      const bad = await open(browsers.admin, url(`/audit?${query}`));
      expect([query, bad.status, bad.code]).toEqual([query, 400, 'invalidFilter']);
    }
  });
});

describe('what-if', () => {
  it('shows which policies would apply and why, without writing anything', async () => {
    const before = await directoryRows(db());
    const page = await open(browsers.admin, url(`/what-if?user=alice%40partner.example&app=spa-app&ip=203.0.113.7&idp=partner`));
    expect(page.status).toBe(200);
    expect(page.body).toContain('Decision: REQUIRE MFA');
    expect([...page.body.matchAll(/data-policy-id="([^"]+)" data-applied="([^"]+)"/g)].map((m) => [m[1], m[2]])).toEqual([
      ['guests-spa-mfa', 'true'],
      ['members-report', 'false'],
    ]);
    expect(page.body).toContain('Partner defaults');
    const done = await open(browsers.admin, url(`/what-if?user=alice%40partner.example&app=spa-app&mfa=yes`));
    expect(done.body).toContain('Decision: ALLOW');
    expect(await directoryRows(db())).toEqual(before);
  });

  it('refuses bad input with a 400 page and everyone without Policy.Read.All', async () => {
    for (const [query, code] of [
      ['user=nobody%40contoso.example&app=web-app', 'userNotFound'],
      ['user=alice%40partner.example&app=nope', 'unknownApp'],
      ['user=alice%40partner.example&app=web-app&ip=300.1.1.1', 'invalidIpAddress'],
      ['user=alice%40partner.example&app=web-app&idp=okta', 'unknownIdentityProvider'],
      ['user=alice%40partner.example', 'invalidRequest'],
      ['user=alice%40partner.example&app=web-app&mfa=perhaps', 'invalidFilter'],
    ]) {
      const page = await open(browsers.admin, url(`/what-if?${query}`));
      expect([query, page.status, page.code]).toEqual([query, 400, code]);
    }
    for (const who of ['groups', 'inviter', 'plain', 'guest'] as const) {
      for (const path of ['/what-if', '/config', '/config/identity-providers']) {
        const page = await open(browsers[who], url(path));
        expect([who, path, page.status, page.code]).toEqual([who, path, 403, 'consolePermissionRequired']);
      }
    }
  });
});

describe('configuration pages', () => {
  it('show identity providers, partners, policies and mail as loaded, with warnings', async () => {
    const overview = await open(browsers.admin, url('/config'));
    expect(overview.status).toBe(200);
    const idps = await open(browsers.admin, url('/config/identity-providers'));
    expect(idps.body).toContain('Partner Org');
    expect(idps.body).toContain('reached over plain http');
    const policies = await open(browsers.admin, url('/config/policies'));
    expect(policies.body).toContain('is report-only: evaluated and logged, never enforced');
    const mail = await open(browsers.admin, url('/config/mail'));
    expect(mail.body).toContain('no SMTP server is configured');
    expect((await open(browsers.admin, url('/config/secrets'))).status).toBe(404);
    expect((await open(browsers.admin, url('/config?x=1'))).status).toBe(400);
  });
});
