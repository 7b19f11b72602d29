import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oauthErrorOf, signedInWebApp } from '../support/oidc-client.js';
import { codeOf, insertGuest, PASSWORD, startDirectoryWorld, userApiToken, type DirectoryWorld } from './directory-world.js';

let w: DirectoryWorld;
let admin: string;
let ids: Record<'member' | 'pending' | 'accepted' | 'other', string>;

beforeAll(async () => {
  w = await startDirectoryWorld();
  const member = await w.foyer.createMember('member@contoso.example', PASSWORD, { name: 'Mia Member' });
  admin = await w.foyer.createMember('admin@contoso.example', PASSWORD, { admin: true, name: 'Ada Admin' });
  ids = {
    member,
    pending: await insertGuest(w, 'pending@partner.example'),
    accepted: await insertGuest(w, 'accepted@partner.example', 'Accepted'),
    other: await insertGuest(w, "o'brien@partner.example", 'Accepted'),
  };
});
afterAll(() => w?.stop());

type UserList = { value: { id: string; mail: string; userType: string }[]; '@odata.nextLink'?: string };
const mails = (res: { body: UserList }) => res.body.value.map((u) => u.mail).sort();

/** How many oidc-provider sessions and grants the account has in the SQL store. */
async function stateOf(accountId: string) {
  const rows: { model: string; payload: string }[] = await w.db('oidc_payloads').whereIn('model', ['Session', 'Grant', 'RefreshToken', 'AccessToken']).select('model', 'payload');
  const mine = rows.filter((r) => (JSON.parse(r.payload) as { accountId?: string }).accountId === accountId);
  return Object.fromEntries(['Session', 'Grant', 'RefreshToken'].map((m) => [m, mine.filter((r) => r.model === m).length]));
}

describe('GET /v1.0/users', () => {
  it('lists every user, Graph-shaped, with User.Read.All (and with User.ReadWrite.All, which includes reading)', async () => {
    for (const app of ['reader-app', 'writer-app']) {
      const res = await w.call<UserList>(w.tokens[app], 'GET', '/users');
      expect(res.status).toBe(200);
      expect(mails(res)).toEqual(['accepted@partner.example', 'admin@contoso.example', 'member@contoso.example', "o'brien@partner.example", 'pending@partner.example']);
      expect(res.body['@odata.nextLink']).toBeUndefined();
    }
  });

  it.each([
    ["userType eq 'Guest'", ['accepted@partner.example', "o'brien@partner.example", 'pending@partner.example']],
    ["userType eq 'Member'", ['admin@contoso.example', 'member@contoso.example']],
    ["externalUserState eq 'PendingAcceptance'", ['pending@partner.example']],
    ["mail eq 'ACCEPTED@partner.example'", ['accepted@partner.example']],
    ["mail eq 'o''brien@partner.example'", ["o'brien@partner.example"]],
    ["userType eq 'Guest' and externalUserState eq 'Accepted'", ['accepted@partner.example', "o'brien@partner.example"]],
    ["UserType EQ 'Guest' AND mail eq 'pending@partner.example'", ['pending@partner.example']],
    ["mail eq 'nobody@partner.example'", []],
  ])('$filter=%s', async (filter, expected) => {
    const res = await w.call<UserList>(w.tokens['reader-app'], 'GET', `/users?$filter=${encodeURIComponent(filter)}`);
    expect(res.status).toBe(200);
    expect(mails(res)).toEqual(expected);
  });

  it.each([
    "userType ne 'Guest'",
    "userType eq 'Guest' or userType eq 'Member'",
    "startswith(mail,'a')",
    "displayName eq 'Ada Admin'",
    "userType eq 'Visitor'",
    "userType eq Guest",
    "(userType eq 'Guest')",
    "userType eq 'Guest' and userType eq 'Member'",
    "not userType eq 'Guest'",
    '',
  ])('refuses the unsupported $filter %j with 400 Request_UnsupportedQuery', async (filter) => {
    const res = await w.call(w.tokens['reader-app'], 'GET', `/users?$filter=${encodeURIComponent(filter)}`);
    expect(res.status).toBe(400);
    expect(codeOf(res)).toBe('Request_UnsupportedQuery');
    expect(String((res.body.error as { message: string }).message)).toMatch(/userType|supported/);
  });

  it('refuses query options it does not implement, and a bad $top, with 400', async () => {
    for (const q of ['$select=mail', '$orderby=mail', '$count=true', '$search=%22a%22', `$filter=${encodeURIComponent("userType eq 'Guest'")}&$filter=${encodeURIComponent("userType eq 'Member'")}`]) {
      const res = await w.call(w.tokens['reader-app'], 'GET', `/users?${q}`);
      expect([q, res.status, codeOf(res)]).toEqual([q, 400, 'Request_UnsupportedQuery']);
    }
    for (const top of ['0', '1000', 'abc', '-1']) {
      expect((await w.call(w.tokens['reader-app'], 'GET', `/users?$top=${top}`)).status).toBe(400);
    }
  });

  it('pages with $top and an @odata.nextLink that keeps the filter', async () => {
    const first = await w.call<UserList>(w.tokens['reader-app'], 'GET', `/users?$top=2&$filter=${encodeURIComponent("userType eq 'Guest'")}`);
    expect(first.body.value).toHaveLength(2);
    const next = first.body['@odata.nextLink']!;
    expect(next.startsWith(`${w.issuer}/v1.0/users?`)).toBe(true);
    const url = new URL(next);
    expect(url.searchParams.get('$filter')).toBe("userType eq 'Guest'");
    const second = await w.call<UserList>(w.tokens['reader-app'], 'GET', `${url.pathname.slice('/v1.0'.length)}${url.search}`);
    expect(second.status).toBe(200);
    expect(second.body.value).toHaveLength(1);
    expect(second.body['@odata.nextLink']).toBeUndefined();
    expect([...first.body.value, ...second.body.value].map((u) => u.mail).sort()).toEqual(['accepted@partner.example', "o'brien@partner.example", 'pending@partner.example']);
  });

  it('needs a token (401) and User.Read.All (403)', async () => {
    const none = await w.call(undefined, 'GET', '/users');
    expect([none.status, codeOf(none)]).toEqual([401, 'InvalidAuthenticationToken']);
    expect((await w.call('garbage.token.value', 'GET', '/users')).status).toBe(401);
    for (const app of ['nothing-app', 'groups-app', 'inviter-app']) {
      const res = await w.call(w.tokens[app], 'GET', '/users');
      expect([app, res.status, codeOf(res)]).toEqual([app, 403, 'Authorization_RequestDenied']);
    }
  });
});

describe('GET /v1.0/users/{id}', () => {
  it('returns one user; 404 for an unknown id; 400 for a malformed one; 403 without User.Read.All', async () => {
    const res = await w.call(w.tokens['reader-app'], 'GET', `/users/${ids.member}`);
    expect(res.body).toMatchObject({ id: ids.member, mail: 'member@contoso.example', userType: 'Member', accountEnabled: true, identities: [] });
    expect((await w.call(w.tokens['reader-app'], 'GET', '/users/7f1c6a57-5b8e-4d4a-9a53-2f7a1d3c9e11')).status).toBe(404);
    const bad = await w.call(w.tokens['reader-app'], 'GET', '/users/not-an-id');
    expect([bad.status, codeOf(bad)]).toEqual([400, 'invalidId']);
    expect((await w.call(w.tokens['groups-app'], 'GET', `/users/${ids.member}`)).status).toBe(403);
  });
});

describe('PATCH /v1.0/users/{id}', () => {
  it('changes displayName (204), audited', async () => {
    const res = await w.call(w.tokens['writer-app'], 'PATCH', `/users/${ids.accepted}`, { displayName: '  Acce Pted ' });
    expect(res.status).toBe(204);
    expect((await w.call(w.tokens['reader-app'], 'GET', `/users/${ids.accepted}`)).body.displayName).toBe('Acce Pted');
    const audit = await w.db('audit_log').where({ activity: 'Update user', target_id: ids.accepted }).first();
    expect(audit).toMatchObject({ actor_type: 'app', actor_id: 'writer-app', result: 'success' });
  });

  it('disabling ends the user’s sessions and revokes their refresh tokens; enabling lets them sign in again', async () => {
    const { config, tokens } = await signedInWebApp(w.issuer, 'member@contoso.example', PASSWORD);
    expect(tokens.refresh_token).toBeTruthy();
    expect(await stateOf(ids.member)).toMatchObject({ Session: 1, Grant: 1, RefreshToken: 1 });

    const res = await w.call(w.tokens['writer-app'], 'PATCH', `/users/${ids.member}`, { accountEnabled: false });
    expect(res.status).toBe(204);
    expect(await stateOf(ids.member)).toEqual({ Session: 0, Grant: 0, RefreshToken: 0 });
    expect(await oauthErrorOf(client.refreshTokenGrant(config, tokens.refresh_token!))).toMatchObject({ error: 'invalid_grant' });
    const activities = (await w.db('audit_log').where({ target_id: ids.member }).orderBy('activity_at')).map((a) => a.activity);
    expect(activities).toEqual(['Disable account', 'Revoke sign-in sessions']);
    expect(JSON.parse((await w.db('audit_log').where({ target_id: ids.member, activity: 'Revoke sign-in sessions' }).first()).details)).toEqual({ sessions: 1, grants: 1 });

    expect((await w.call(w.tokens['writer-app'], 'PATCH', `/users/${ids.member}`, { accountEnabled: true })).status).toBe(204);
    const again = await signedInWebApp(w.issuer, 'member@contoso.example', PASSWORD);
    expect(again.tokens.claims()!.sub).toBe(ids.member);
  });

  it.each([
    ['an unknown property', { displayName: 'X', roles: ['admin'] }],
    ['a read-only property', { mail: 'x@contoso.example' }],
    ['nothing to change', {}],
    ['a wrong type', { accountEnabled: 'no' }],
    ['an empty name', { displayName: '   ' }],
    ['a name too long', { displayName: 'x'.repeat(257) }],
  ])('refuses %s with 400 and changes nothing', async (_what, body) => {
    const before = await w.db('users').where({ id: ids.pending }).first();
    const res = await w.call(w.tokens['writer-app'], 'PATCH', `/users/${ids.pending}`, body);
    expect([res.status, codeOf(res)]).toEqual([400, 'invalidRequest']);
    expect(await w.db('users').where({ id: ids.pending }).first()).toEqual(before);
  });

  it('answers 415 for a form body, 404 for an unknown user, 403 without User.ReadWrite.All (nothing changed)', async () => {
    const form = await w.call(w.tokens['writer-app'], 'PATCH', `/users/${ids.pending}`, 'displayName=x', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(form.status).toBe(415);
    expect((await w.call(w.tokens['writer-app'], 'PATCH', '/users/7f1c6a57-5b8e-4d4a-9a53-2f7a1d3c9e11', { displayName: 'x' })).status).toBe(404);
    for (const app of ['reader-app', 'groups-app', 'nothing-app']) {
      const res = await w.call(w.tokens[app], 'PATCH', `/users/${ids.pending}`, { accountEnabled: false });
      expect([app, res.status]).toEqual([app, 403]);
    }
    expect((await w.call(undefined, 'PATCH', `/users/${ids.pending}`, { accountEnabled: false })).status).toBe(401);
    expect((await w.db('users').where({ id: ids.pending }).first()).account_enabled).toBeTruthy();
  });

  it('an admin’s user token may not disable the admin’s own account', async () => {
    const { accessToken } = await userApiToken(w.issuer, 'admin@contoso.example', PASSWORD, ['User.ReadWrite.All']);
    const res = await w.call(accessToken, 'PATCH', `/users/${admin}`, { accountEnabled: false });
    expect([res.status, codeOf(res)]).toEqual([400, 'cannotChangeSelf']);
    expect((await w.call(accessToken, 'PATCH', `/users/${admin}`, { displayName: 'Ada A.' })).status).toBe(204);
  });
});

describe('POST /v1.0/users/{id}/revokeSignInSessions', () => {
  it('ends sessions and revokes refresh tokens without disabling; 403 without User.ReadWrite.All', async () => {
    const id = await w.foyer.createMember('revoke@contoso.example', PASSWORD);
    const { config, tokens } = await signedInWebApp(w.issuer, 'revoke@contoso.example', PASSWORD);
    expect((await w.call(w.tokens['reader-app'], 'POST', `/users/${id}/revokeSignInSessions`)).status).toBe(403);
    expect((await stateOf(id)).Session).toBe(1);
    const res = await w.call(w.tokens['writer-app'], 'POST', `/users/${id}/revokeSignInSessions`);
    expect([res.status, res.body]).toEqual([200, { value: true }]);
    expect(await stateOf(id)).toEqual({ Session: 0, Grant: 0, RefreshToken: 0 });
    expect(await oauthErrorOf(client.refreshTokenGrant(config, tokens.refresh_token!))).toMatchObject({ error: 'invalid_grant' });
    expect((await w.db('users').where({ id }).first()).account_enabled).toBeTruthy();
    expect((await w.call(w.tokens['writer-app'], 'POST', '/users/7f1c6a57-5b8e-4d4a-9a53-2f7a1d3c9e11/revokeSignInSessions')).status).toBe(404);
  });
});

describe('DELETE /v1.0/users/{id}', () => {
  it('deletes the user with identities, memberships and assignments, ends their sessions, audited', async () => {
    const id = await w.foyer.createMember('leaving@contoso.example', PASSWORD);
    const { config, tokens } = await signedInWebApp(w.issuer, 'leaving@contoso.example', PASSWORD);
    const group = await w.call(w.tokens['admin-app'], 'POST', '/groups', { displayName: 'Doomed members' });
    await w.call(w.tokens['admin-app'], 'POST', `/groups/${group.body.id}/members/$ref`, { '@odata.id': `${w.issuer}/v1.0/directoryObjects/${id}` });
    await w.call(w.tokens['admin-app'], 'POST', `/users/${id}/appRoleAssignments`, { principalId: id, resourceId: 'web-app' });
    await w.db('identities').insert({ id: crypto.randomUUID(), user_id: id, idp_id: 'x', issuer: 'https://idp.example', subject: 'leaving', created_at: new Date().toISOString() });

    expect((await w.call(w.tokens['reader-app'], 'DELETE', `/users/${id}`)).status).toBe(403);
    const res = await w.call(w.tokens['writer-app'], 'DELETE', `/users/${id}`);
    expect(res.status).toBe(204);
    expect(await w.db('users').where({ id }).first()).toBeUndefined();
    expect(await w.db('identities').where({ user_id: id })).toEqual([]);
    expect(await w.db('group_members').where({ user_id: id })).toEqual([]);
    expect(await w.db('app_assignments').where({ principal_id: id })).toEqual([]);
    expect(await stateOf(id)).toEqual({ Session: 0, Grant: 0, RefreshToken: 0 });
    expect(await oauthErrorOf(client.refreshTokenGrant(config, tokens.refresh_token!))).toMatchObject({ error: 'invalid_grant' });
    expect((await w.db('audit_log').where({ activity: 'Delete user', target_id: id }).first()).actor_id).toBe('writer-app');
    expect((await w.call(w.tokens['writer-app'], 'DELETE', `/users/${id}`)).status).toBe(404);
    expect((await w.call(w.tokens['writer-app'], 'DELETE', '/users/nope')).status).toBe(400);
  });

  it('a user token cannot delete its own account', async () => {
    const { accessToken } = await userApiToken(w.issuer, 'admin@contoso.example', PASSWORD, ['User.ReadWrite.All']);
    const res = await w.call(accessToken, 'DELETE', `/users/${admin}`);
    expect([res.status, codeOf(res)]).toEqual([400, 'cannotChangeSelf']);
    expect(await w.db('users').where({ id: admin }).first()).toBeTruthy();
  });
});

describe('GET /v1.0/users/{id}/memberOf', () => {
  it('lists the groups a user is a member of; 403 without User.Read.All', async () => {
    const group = await w.call(w.tokens['admin-app'], 'POST', '/groups', { displayName: 'Readers of memberOf' });
    await w.call(w.tokens['admin-app'], 'POST', `/groups/${group.body.id}/members/$ref`, { '@odata.id': `${w.issuer}/v1.0/users/${ids.pending}` });
    const res = await w.call<{ value: { id: string; '@odata.type': string }[] }>(w.tokens['reader-app'], 'GET', `/users/${ids.pending}/memberOf`);
    expect(res.body.value).toEqual([expect.objectContaining({ id: group.body.id, '@odata.type': '#microsoft.graph.group', displayName: 'Readers of memberOf' })]);
    expect((await w.call(w.tokens['groups-app'], 'GET', `/users/${ids.pending}/memberOf`)).status).toBe(403);
    expect((await w.call(w.tokens['reader-app'], 'GET', '/users/7f1c6a57-5b8e-4d4a-9a53-2f7a1d3c9e11/memberOf')).status).toBe(404);
  });
});
