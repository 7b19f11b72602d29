import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf, insertGuest, PASSWORD, startDirectoryWorld, userApiToken, type DirectoryWorld } from './directory-world.js';

/**
 * User tokens (a person acting through an app): what they may do is the intersection of the
 * token's scopes and the person's role (admin, guest inviter) or ownership of the resource.
 */
describe.each([
  ['with delegated management on', true],
  ['with delegated management off', false],
])('user tokens for the directory API, %s', (_name, delegation) => {
  let w: DirectoryWorld;
  const ids: Record<string, string> = {};
  let ownGroup: string;
  let otherGroup: string;
  const ref = (id: string) => ({ '@odata.id': `${w.issuer}/v1.0/directoryObjects/${id}` });
  const token = (who: string, scopes: string[]) => userApiToken(w.issuer, `${who}@contoso.example`, PASSWORD, scopes).then((t) => t.accessToken);

  beforeAll(async () => {
    w = await startDirectoryWorld((config) => {
      config.delegatedManagement = { appOwnersCanInvite: delegation, groupOwnersCanInvite: delegation };
      const apps = config.apps as Record<string, unknown>[];
      apps[0]!.owners = ['Owner@Contoso.example'];
    });
    for (const who of ['admin', 'inviter', 'owner', 'plain']) ids[who] = await w.foyer.createMember(`${who}@contoso.example`, PASSWORD, { admin: who === 'admin' });
    await w.db('users').where({ id: ids.inviter }).update({ roles: JSON.stringify(['guestInviter']) });
    ids.guest = await insertGuest(w, 'guest@partner.example', 'Accepted');
    ownGroup = String((await w.call(w.tokens['groups-app'], 'POST', '/groups', { displayName: 'Owned' })).body.id);
    otherGroup = String((await w.call(w.tokens['groups-app'], 'POST', '/groups', { displayName: 'Not owned' })).body.id);
    await w.call(w.tokens['groups-app'], 'POST', `/groups/${ownGroup}/owners/$ref`, ref(ids.owner!));
  });
  afterAll(() => w?.stop());

  it('marks what a token acts for: idtyp user for a person, idtyp app with the configured permissions as roles for an app', async () => {
    const user = decodeJwt(await token('admin', ['User.Read.All']));
    expect(user.idtyp).toBe('user');
    expect(user.roles).toBeUndefined();
    const app = decodeJwt(w.tokens['groups-app']!);
    expect(app).toMatchObject({ idtyp: 'app', roles: ['Group.ReadWrite.All'] });
  });

  it('an admin may act within the token’s scopes only', async () => {
    const write = await token('admin', ['User.ReadWrite.All']);
    expect((await w.call(write, 'PATCH', `/users/${ids.guest}`, { displayName: 'Renamed by admin' })).status).toBe(204);
    expect((await w.call(write, 'GET', '/users')).status).toBe(200);
    const read = await token('admin', ['User.Read.All']);
    expect((await w.call(read, 'GET', '/users')).status).toBe(200);
    const res = await w.call(read, 'PATCH', `/users/${ids.guest}`, { displayName: 'Not allowed' });
    expect([res.status, codeOf(res)]).toEqual([403, 'Authorization_RequestDenied']);
    expect((await w.call(read, 'POST', '/groups', { displayName: 'G' })).status).toBe(403);
  });

  it('a guest inviter may read users but not change them or groups', async () => {
    const t = await token('inviter', ['User.Read.All', 'User.ReadWrite.All', 'Group.ReadWrite.All']);
    expect((await w.call(t, 'GET', '/users')).status).toBe(200);
    expect((await w.call(t, 'PATCH', `/users/${ids.guest}`, { displayName: 'No' })).status).toBe(403);
    expect((await w.call(t, 'DELETE', `/users/${ids.guest}`)).status).toBe(403);
    expect((await w.call(t, 'POST', '/groups', { displayName: 'No' })).status).toBe(403);
  });

  it('a member without a role may do nothing, whatever the token’s scopes', async () => {
    const t = await token('plain', ['User.Read.All', 'User.ReadWrite.All', 'Group.ReadWrite.All']);
    for (const [method, path, body] of [
      ['GET', '/users'],
      ['GET', `/groups/${ownGroup}`],
      ['POST', `/groups/${ownGroup}/members/$ref`, ref(ids.guest!)],
      ['GET', '/servicePrincipals/web-app/appRoleAssignedTo'],
      ['POST', '/servicePrincipals/web-app/appRoleAssignedTo', { principalId: ids.guest, resourceId: 'web-app' }],
    ] as const) {
      expect([method, path, (await w.call(t, method, path, body)).status]).toEqual([method, path, 403]);
    }
  });

  it('a group owner manages the members of their own group only, and only with the scope', async () => {
    const t = await token('owner', ['Group.ReadWrite.All']);
    const expectOwn = delegation ? [200, 200, 204, 204] : [403, 403, 403, 403];
    const results = [
      (await w.call(t, 'GET', `/groups/${ownGroup}`)).status,
      (await w.call(t, 'GET', `/groups/${ownGroup}/members`)).status,
      (await w.call(t, 'POST', `/groups/${ownGroup}/members/$ref`, ref(ids.guest!))).status,
      (await w.call(t, 'DELETE', `/groups/${ownGroup}/members/${ids.guest}/$ref`)).status,
    ];
    expect(results).toEqual(expectOwn);
    if (delegation) {
      const audit = await w.db('audit_log').where({ activity: 'Add member to group', target_id: ownGroup }).first();
      expect(audit).toMatchObject({ actor_type: 'user', actor_id: ids.owner });
      expect(JSON.parse(audit.details)).toMatchObject({ asOwner: true });
    }
    // Never: someone else's group, the owners, the group itself, the list of all groups.
    for (const [method, path, body] of [
      ['GET', `/groups/${otherGroup}`],
      ['POST', `/groups/${otherGroup}/members/$ref`, ref(ids.guest!)],
      ['POST', `/groups/${ownGroup}/owners/$ref`, ref(ids.plain!)],
      ['DELETE', `/groups/${ownGroup}/owners/${ids.owner}/$ref`],
      ['DELETE', `/groups/${ownGroup}`],
      ['GET', '/groups'],
      ['POST', '/groups', { displayName: 'Mine' }],
      ['POST', `/groups/${ownGroup}/appRoleAssignments`, { principalId: ownGroup, resourceId: 'web-app' }],
    ] as const) {
      expect([method, path, (await w.call(t, method, path, body)).status]).toEqual([method, path, 403]);
    }
    // The same owner with a token lacking the scope.
    const unscoped = await token('owner', ['User.Read.All']);
    expect((await w.call(unscoped, 'POST', `/groups/${ownGroup}/members/$ref`, ref(ids.guest!))).status).toBe(403);
    expect(await w.db('group_owners').where({ group_id: ownGroup }).pluck('user_id')).toEqual([ids.owner]);
    expect(await w.db('group_members').where({ group_id: otherGroup })).toEqual([]);
  });

  it('an app owner (named in config) manages the assignments of their own app only', async () => {
    const t = await token('owner', ['User.ReadWrite.All']);
    const list = await w.call(t, 'GET', '/servicePrincipals/web-app/appRoleAssignedTo');
    const assigned = await w.call<{ id: string }>(t, 'POST', '/servicePrincipals/web-app/appRoleAssignedTo', { principalId: ids.guest, resourceId: 'web-app' });
    if (delegation) {
      expect([list.status, assigned.status]).toEqual([200, 201]);
      expect((await w.call(t, 'DELETE', `/servicePrincipals/web-app/appRoleAssignedTo/${assigned.body.id}`)).status).toBe(204);
    } else {
      expect([list.status, assigned.status]).toEqual([403, 403]);
    }
    for (const [method, path, body] of [
      ['GET', '/servicePrincipals/spa-app/appRoleAssignedTo'],
      ['POST', '/servicePrincipals/spa-app/appRoleAssignedTo', { principalId: ids.guest, resourceId: 'spa-app' }],
      ['POST', `/users/${ids.guest}/appRoleAssignments`, { principalId: ids.guest, resourceId: 'web-app' }],
      ['PATCH', `/users/${ids.guest}`, { accountEnabled: false }],
      ['GET', '/users'],
    ] as const) {
      expect([method, path, (await w.call(t, method, path, body)).status]).toEqual([method, path, 403]);
    }
    expect(await w.db('app_assignments')).toEqual([]);
  });
});
