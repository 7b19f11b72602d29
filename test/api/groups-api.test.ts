import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf, insertGuest, PASSWORD, startDirectoryWorld, type DirectoryWorld } from './directory-world.js';

let w: DirectoryWorld;
let alice: string;
let bob: string;
const ref = (id: string) => ({ '@odata.id': `${w.issuer}/v1.0/directoryObjects/${id}` });
const admin = () => w.tokens['groups-app'];

beforeAll(async () => {
  w = await startDirectoryWorld();
  alice = await w.foyer.createMember('alice@contoso.example', PASSWORD);
  bob = await insertGuest(w, 'bob@partner.example', 'Accepted');
});
afterAll(() => w?.stop());

async function newGroup(displayName = 'Partners', description?: string): Promise<string> {
  const res = await w.call(admin(), 'POST', '/groups', { displayName, ...(description ? { description } : {}) });
  expect(res.status).toBe(201);
  return String(res.body.id);
}
const count = async (table: string) => Number((await w.db(table).count({ n: '*' }).first())!.n);

describe('POST /v1.0/groups', () => {
  it('creates a security group (201, Location, Graph shape), audited', async () => {
    const res = await w.call(admin(), 'POST', '/groups', { displayName: ' Auditors ', description: 'External auditors' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ '@odata.type': '#microsoft.graph.group', displayName: 'Auditors', description: 'External auditors', securityEnabled: true, mailEnabled: false, groupTypes: [] });
    expect(res.headers.get('location')).toBe(`${w.issuer}/v1.0/groups/${res.body.id}`);
    expect(await w.db('audit_log').where({ activity: 'Add group', target_id: res.body.id }).first()).toMatchObject({ actor_id: 'groups-app', category: 'GroupManagement' });
  });

  it.each([
    ['no displayName', { description: 'x' }],
    ['an empty displayName', { displayName: '  ' }],
    ['an unsupported Graph property', { displayName: 'G', mailEnabled: true }],
    ['a wrong type', { displayName: 42 }],
    ['a displayName too long', { displayName: 'g'.repeat(257) }],
  ])('refuses %s with 400, creating nothing', async (_w, body) => {
    const before = await count('groups');
    const res = await w.call(admin(), 'POST', '/groups', body);
    expect([res.status, codeOf(res)]).toEqual([400, 'invalidRequest']);
    expect(await count('groups')).toBe(before);
  });

  it('needs JSON (415), a token (401) and Group.ReadWrite.All (403)', async () => {
    const before = await count('groups');
    expect((await w.call(admin(), 'POST', '/groups', 'displayName=G', { 'content-type': 'application/x-www-form-urlencoded' })).status).toBe(415);
    expect((await w.call(undefined, 'POST', '/groups', { displayName: 'G' })).status).toBe(401);
    for (const app of ['reader-app', 'writer-app', 'nothing-app']) {
      const res = await w.call(w.tokens[app], 'POST', '/groups', { displayName: 'G' });
      expect([app, res.status, codeOf(res)]).toEqual([app, 403, 'Authorization_RequestDenied']);
    }
    expect(await count('groups')).toBe(before);
  });
});

describe('GET /v1.0/groups and /groups/{id}', () => {
  it('lists with paging and gets one; 404/400 for unknown and malformed ids; 403 without Group.ReadWrite.All', async () => {
    const a = await newGroup('Paged A');
    await newGroup('Paged B');
    const list = await w.call<{ value: { id: string; displayName: string }[]; '@odata.nextLink'?: string }>(admin(), 'GET', '/groups?$top=1');
    expect(list.body.value).toHaveLength(1);
    expect(list.body['@odata.nextLink']).toMatch(/\$skiptoken=1/);
    const all = await w.call<{ value: { id: string }[] }>(admin(), 'GET', '/groups');
    expect(all.body.value.map((g) => g.id)).toContain(a);
    expect((await w.call(admin(), 'GET', `/groups/${a}`)).body).toMatchObject({ id: a, displayName: 'Paged A' });
    expect((await w.call(admin(), 'GET', '/groups/7f1c6a57-5b8e-4d4a-9a53-2f7a1d3c9e11')).status).toBe(404);
    expect((await w.call(admin(), 'GET', '/groups/x')).status).toBe(400);
    expect((await w.call(admin(), 'GET', '/groups?$filter=x')).status).toBe(400);
    expect((await w.call(w.tokens['reader-app'], 'GET', '/groups')).status).toBe(403);
    expect((await w.call(w.tokens['reader-app'], 'GET', `/groups/${a}`)).status).toBe(403);
  });
});

describe('members and owners by $ref', () => {
  it('adds, lists and removes members and owners, audited', async () => {
    const g = await newGroup('Linked');
    for (const link of ['members', 'owners']) {
      const added = await w.call(admin(), 'POST', `/groups/${g}/${link}/$ref`, ref(bob));
      expect(added.status).toBe(204);
      const byUsersUrl = await w.call(admin(), 'POST', `/groups/${g}/${link}/$ref`, { '@odata.id': `${w.issuer}/v1.0/users/${alice}` });
      expect(byUsersUrl.status).toBe(204);
      const list = await w.call<{ value: { id: string; '@odata.type': string }[] }>(admin(), 'GET', `/groups/${g}/${link}`);
      expect(list.body.value.map((u) => u.id)).toEqual([bob, alice]);
      expect(list.body.value[0]!['@odata.type']).toBe('#microsoft.graph.user');
      const removed = await w.call(admin(), 'DELETE', `/groups/${g}/${link}/${bob}/$ref`);
      expect(removed.status).toBe(204);
      expect((await w.call<{ value: { id: string }[] }>(admin(), 'GET', `/groups/${g}/${link}`)).body.value.map((u) => u.id)).toEqual([alice]);
    }
    const activities = (await w.db('audit_log').where({ target_id: g }).orderBy('activity_at')).map((a) => a.activity);
    expect(activities).toEqual(['Add group', 'Add member to group', 'Add member to group', 'Remove member from group', 'Add owner to group', 'Add owner to group', 'Remove owner from group']);
  });

  it('refuses a duplicate (400), a foreign or malformed reference (400), an unknown user or group (404), and changes nothing', async () => {
    const g = await newGroup('Strict');
    await w.call(admin(), 'POST', `/groups/${g}/members/$ref`, ref(alice));
    const before = await count('group_members');
    const dup = await w.call(admin(), 'POST', `/groups/${g}/members/$ref`, ref(alice));
    expect([dup.status, codeOf(dup)]).toEqual([400, 'alreadyMember']);
    for (const body of [
      { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${alice}` },
      { '@odata.id': `${w.issuer}/v1.0/groups/${g}` },
      { '@odata.id': 'not a url' },
      { id: alice },
      {},
    ]) {
      const res = await w.call(admin(), 'POST', `/groups/${g}/members/$ref`, body);
      expect([JSON.stringify(body), res.status]).toEqual([JSON.stringify(body), 400]);
    }
    const unknownUser = await w.call(admin(), 'POST', `/groups/${g}/members/$ref`, ref('7f1c6a57-5b8e-4d4a-9a53-2f7a1d3c9e11'));
    expect([unknownUser.status, codeOf(unknownUser)]).toEqual([404, 'Request_ResourceNotFound']);
    expect((await w.call(admin(), 'POST', '/groups/7f1c6a57-5b8e-4d4a-9a53-2f7a1d3c9e11/members/$ref', ref(alice))).status).toBe(404);
    expect((await w.call(admin(), 'DELETE', `/groups/${g}/members/${bob}/$ref`)).status).toBe(404);
    expect((await w.call(admin(), 'DELETE', `/groups/${g}/members/nope/$ref`)).status).toBe(400);
    expect(await count('group_members')).toBe(before);
  });

  it('needs Group.ReadWrite.All for every member and owner route (403), nothing changed', async () => {
    const g = await newGroup('Guarded');
    await w.call(admin(), 'POST', `/groups/${g}/members/$ref`, ref(alice));
    const before = [await count('group_members'), await count('group_owners')];
    for (const app of ['reader-app', 'writer-app', 'nothing-app']) {
      const t = w.tokens[app];
      for (const [method, path, body] of [
        ['GET', `/groups/${g}/members`],
        ['GET', `/groups/${g}/owners`],
        ['POST', `/groups/${g}/members/$ref`, ref(bob)],
        ['POST', `/groups/${g}/owners/$ref`, ref(bob)],
        ['DELETE', `/groups/${g}/members/${alice}/$ref`],
        ['DELETE', `/groups/${g}/owners/${alice}/$ref`],
      ] as const) {
        const res = await w.call(t, method, path, body);
        expect([app, method, path, res.status]).toEqual([app, method, path, 403]);
      }
    }
    expect((await w.call(undefined, 'GET', `/groups/${g}/members`)).status).toBe(401);
    expect([await count('group_members'), await count('group_owners')]).toEqual(before);
  });
});

describe('DELETE /v1.0/groups/{id}', () => {
  it('deletes the group with its memberships and app assignments, audited; 404 after; 403 without permission', async () => {
    const g = await newGroup('Temporary');
    await w.call(admin(), 'POST', `/groups/${g}/members/$ref`, ref(alice));
    await w.call(admin(), 'POST', `/groups/${g}/appRoleAssignments`, { principalId: g, resourceId: 'web-app' });
    expect(await w.db('app_assignments').where({ principal_id: g })).toHaveLength(1);
    expect((await w.call(w.tokens['writer-app'], 'DELETE', `/groups/${g}`)).status).toBe(403);
    expect(await w.db('groups').where({ id: g }).first()).toBeTruthy();

    expect((await w.call(admin(), 'DELETE', `/groups/${g}`)).status).toBe(204);
    expect(await w.db('groups').where({ id: g }).first()).toBeUndefined();
    expect(await w.db('group_members').where({ group_id: g })).toEqual([]);
    expect(await w.db('app_assignments').where({ principal_id: g })).toEqual([]);
    expect(JSON.parse((await w.db('audit_log').where({ activity: 'Delete group', target_id: g }).first()).details)).toMatchObject({ appAssignmentsRemoved: 1 });
    expect((await w.call(admin(), 'DELETE', `/groups/${g}`)).status).toBe(404);
    expect((await w.call(admin(), 'DELETE', '/groups/zzz')).status).toBe(400);
  });
});
