import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RoleAssignments } from '../../src/roles/role-assignments.js';
import { roleByName } from '../../src/roles/directory-roles.js';
import { APP_URL, codeOf, insertGuest, PASSWORD, startDirectoryWorld, userApiToken, type DirectoryWorld } from '../api/directory-world.js';

const GLOBAL_ADMIN = '62e90394-69f5-4237-9190-012177145e10';
const USER_ADMIN = 'fe930be7-5e62-47db-91af-98c3a49a38b1';
const GROUPS_ADMIN = 'fdd7a751-b60b-444a-984c-02652fe8fa1c';
const GUEST_INVITER = '95e79109-95c0-4d8e-aee3-d01accf2d47b';
const EVERY_SCOPE = ['User.Read.All', 'User.ReadWrite.All', 'User.Invite.All', 'Group.ReadWrite.All', 'RoleManagement.Read.Directory', 'RoleManagement.ReadWrite.Directory'];

/**
 * Directory roles through Graph's /directoryRoles: a Global Administrator grants and removes them
 * (audited), each role's holder may do what the role allows and no more, and nobody below a Global
 * Administrator can make anyone an administrator. Every refusal leaves the directory as it was.
 */
describe('directory roles (/v1.0/directoryRoles)', { timeout: 120_000 }, () => {
  let w: DirectoryWorld;
  const ids: Record<string, string> = {};
  const ref = (id: string) => ({ '@odata.id': `${w.issuer}/v1.0/directoryObjects/${id}` });
  const token = (who: string, scopes = EVERY_SCOPE) => userApiToken(w.issuer, `${who}@contoso.example`, PASSWORD, scopes).then((t) => t.accessToken);
  const rolesOf = async (id: string) => JSON.parse(String((await w.db('users').where({ id }).first('roles')).roles)) as string[];
  const roleAudits = () => w.db('audit_log').where({ category: 'RoleManagement' }).orderBy('activity_at').select('activity', 'actor_id', 'target_id', 'details');
  let admin: string;

  beforeAll(async () => {
    w = await startDirectoryWorld();
    for (const who of ['admin', 'useradmin', 'groupsadmin', 'inviter', 'plain']) ids[who] = await w.foyer.createMember(`${who}@contoso.example`, PASSWORD, { admin: who === 'admin' });
    ids.guest = await insertGuest(w, 'guest@partner.example', 'Accepted');
    admin = await token('admin');
  });
  afterAll(() => w?.stop());

  it('lists the four roles in Graph’s shape, with Entra’s template ids', async () => {
    const res = await w.call<{ value: { id: string; displayName: string; roleTemplateId: string }[] }>(admin, 'GET', '/directoryRoles');
    expect(res.status).toBe(200);
    expect(res.body.value.map((r) => [r.displayName, r.id, r.roleTemplateId])).toEqual([
      ['Global Administrator', GLOBAL_ADMIN, GLOBAL_ADMIN],
      ['User Administrator', USER_ADMIN, USER_ADMIN],
      ['Groups Administrator', GROUPS_ADMIN, GROUPS_ADMIN],
      ['Guest Inviter', GUEST_INVITER, GUEST_INVITER],
    ]);
    expect((await w.call(admin, 'GET', '/directoryRoles/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect(codeOf(await w.call(admin, 'GET', '/directoryRoles/not-an-id'))).toBe('invalidId');
  });

  it('a Global Administrator grants roles by $ref, each grant audited, and lists the members', async () => {
    for (const [who, role] of [['useradmin', USER_ADMIN], ['groupsadmin', GROUPS_ADMIN], ['inviter', GUEST_INVITER]] as const) {
      const res = await w.call(admin, 'POST', `/directoryRoles/${role}/members/$ref`, ref(ids[who]!));
      expect(res.status, JSON.stringify(res.body)).toBe(204);
    }
    expect(await rolesOf(ids.inviter!)).toEqual(['guestInviter']);
    const members = await w.call<{ value: { mail: string }[] }>(admin, 'GET', `/directoryRoles/${GUEST_INVITER}/members`);
    expect(members.body.value.map((u) => u.mail)).toEqual(['inviter@contoso.example']);
    const again = await w.call(admin, 'POST', `/directoryRoles/${GUEST_INVITER}/members/$ref`, ref(ids.inviter!));
    expect([again.status, codeOf(again)]).toEqual([400, 'alreadyMember']);
    const audits = await roleAudits();
    expect(audits.map((a) => [a.activity, a.actor_id, a.target_id])).toEqual([
      ['Add member to role', ids.admin, ids.useradmin],
      ['Add member to role', ids.admin, ids.groupsadmin],
      ['Add member to role', ids.admin, ids.inviter],
    ]);
  });

  it('a Guest Inviter can invite, and cannot disable users: 403, and the user stays enabled with nothing audited', async () => {
    const t = await token('inviter');
    const invited = await w.call(t, 'POST', '/invitations', { invitedUserEmailAddress: 'new@partner.example', inviteRedirectUrl: APP_URL, sendInvitationMessage: false });
    expect(invited.status, JSON.stringify(invited.body)).toBe(201);
    const auditsBefore = await w.db('audit_log').count({ n: '*' }).first();
    const res = await w.call(t, 'PATCH', `/users/${ids.plain}`, { accountEnabled: false });
    expect([res.status, codeOf(res)]).toEqual([403, 'Authorization_RequestDenied']);
    expect((await w.call(t, 'DELETE', `/users/${ids.guest}`)).status).toBe(403);
    expect((await w.call(t, 'POST', `/users/${ids.plain}/revokeSignInSessions`)).status).toBe(403);
    expect(Boolean((await w.db('users').where({ id: ids.plain }).first('account_enabled')).account_enabled)).toBe(true);
    expect(await w.db('users').where({ id: ids.guest }).first('id')).toBeTruthy();
    expect(await w.db('audit_log').count({ n: '*' }).first()).toEqual(auditsBefore);
  });

  it('a User Administrator cannot make itself or anyone an administrator, nor touch one: refused, nothing changed', async () => {
    const t = await token('useradmin');
    const before = await roleAudits();
    for (const target of ['useradmin', 'plain']) {
      for (const role of [GLOBAL_ADMIN, USER_ADMIN, GUEST_INVITER]) {
        const res = await w.call(t, 'POST', `/directoryRoles/${role}/members/$ref`, ref(ids[target]!));
        expect([target, role, res.status, codeOf(res)]).toEqual([target, role, 403, 'Authorization_RequestDenied']);
      }
    }
    const removeAdmin = await w.call(t, 'DELETE', `/directoryRoles/${GLOBAL_ADMIN}/members/${ids.admin}/$ref`);
    expect(removeAdmin.status).toBe(403);
    // Locking the administrator out another way is refused too.
    const disable = await w.call(t, 'PATCH', `/users/${ids.admin}`, { accountEnabled: false });
    expect([disable.status, codeOf(disable)]).toEqual([403, 'Authorization_RequestDenied']);
    expect((await w.call(t, 'DELETE', `/users/${ids.admin}`)).status).toBe(403);
    expect(await rolesOf(ids.useradmin!)).toEqual(['userAdministrator']);
    expect(await rolesOf(ids.plain!)).toEqual([]);
    expect(await rolesOf(ids.admin!)).toEqual(['admin']);
    expect(Boolean((await w.db('users').where({ id: ids.admin }).first('account_enabled')).account_enabled)).toBe(true);
    expect(await roleAudits()).toEqual(before);
    // What the role is for still works: reading roles, and managing an ordinary user.
    expect((await w.call(t, 'GET', '/directoryRoles')).status).toBe(200);
    expect((await w.call(t, 'PATCH', `/users/${ids.plain}`, { displayName: 'Renamed by the user administrator' })).status).toBe(204);
  });

  it('a Groups Administrator manages groups and cannot change users or roles', async () => {
    const t = await token('groupsadmin');
    expect((await w.call(t, 'POST', '/groups', { displayName: 'Made by the groups administrator' })).status).toBe(201);
    expect((await w.call(t, 'PATCH', `/users/${ids.plain}`, { displayName: 'No' })).status).toBe(403);
    expect((await w.call(t, 'GET', '/directoryRoles')).status).toBe(403);
  });

  it('a guest cannot be given a directory role unless config allows it: refused, nothing changed', async () => {
    const before = await roleAudits();
    const res = await w.call(admin, 'POST', `/directoryRoles/${GUEST_INVITER}/members/$ref`, ref(ids.guest!));
    expect([res.status, codeOf(res)]).toEqual([400, 'guestCannotHoldRole']);
    expect(await rolesOf(ids.guest!)).toEqual([]);
    expect(await roleAudits()).toEqual(before);
    // With directoryRoles.allowGuests the same service grants it.
    const allowing = new RoleAssignments({ db: w.db, users: w.foyer.foyer.users, audit: w.foyer.foyer.audit, allowGuests: true });
    expect(await allowing.grant(roleByName('guest-inviter')!, ids.guest!, { type: 'cli' })).toBe(true);
    expect(await rolesOf(ids.guest!)).toEqual(['guestInviter']);
  });

  it('removing a role takes its powers at once, and the last Global Administrator cannot be removed', async () => {
    const t = await token('inviter');
    expect((await w.call(admin, 'DELETE', `/directoryRoles/${GUEST_INVITER}/members/${ids.inviter}/$ref`)).status).toBe(204);
    expect(await rolesOf(ids.inviter!)).toEqual([]);
    const res = await w.call(t, 'POST', '/invitations', { invitedUserEmailAddress: 'late@partner.example', inviteRedirectUrl: APP_URL, sendInvitationMessage: false });
    expect(res.status).toBe(403);
    const gone = await w.call(admin, 'DELETE', `/directoryRoles/${GUEST_INVITER}/members/${ids.inviter}/$ref`);
    expect(gone.status).toBe(404);
    const last = await w.call(admin, 'DELETE', `/directoryRoles/${GLOBAL_ADMIN}/members/${ids.admin}/$ref`);
    expect([last.status, codeOf(last)]).toEqual([400, 'lastAdministrator']);
    expect(await rolesOf(ids.admin!)).toEqual(['admin']);
    expect((await roleAudits()).at(-1)).toMatchObject({ activity: 'Remove member from role', target_id: ids.inviter });
  });
});
