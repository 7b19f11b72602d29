import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oauthErrorOf, signedInWebApp } from '../support/oidc-client.js';
import { codeOf, insertGuest, PASSWORD, startDirectoryWorld, type DirectoryWorld } from './directory-world.js';

const DEFAULT_ROLE = '00000000-0000-0000-0000-000000000000';
let w: DirectoryWorld;
let member: string;
let guest: string;
let group: string;

beforeAll(async () => {
  w = await startDirectoryWorld((config) => {
    const apps = config.apps as Record<string, unknown>[];
    apps[0]!.assignmentRequired = true;
    apps[0]!.description = 'The web app';
  });
  member = await w.foyer.createMember('member@contoso.example', PASSWORD, { name: 'Mia Member' });
  guest = await insertGuest(w, 'guest@partner.example', 'Accepted');
  group = String((await w.call(w.tokens['groups-app'], 'POST', '/groups', { displayName: 'Web users' })).body.id);
});
afterAll(() => w?.stop());

type Assignment = { id: string; principalId: string; principalType: string; resourceId: string; appRoleId: string; principalDisplayName: string; resourceDisplayName: string };
const count = async () => Number((await w.db('app_assignments').count({ n: '*' }).first())!.n);

describe('GET /v1.0/servicePrincipals', () => {
  it('lists the apps without secrets and gets one; 404 for an unknown app; 403 without User.Read.All', async () => {
    const list = await w.call<{ value: Record<string, unknown>[] }>(w.tokens['reader-app'], 'GET', '/servicePrincipals');
    expect(list.status).toBe(200);
    expect(list.body.value.find((a) => a.id === 'web-app')).toEqual({ id: 'web-app', appId: 'web-app', displayName: 'Web App', description: 'The web app', appRoleAssignmentRequired: true, homepage: 'http://127.0.0.1:9999/', appRoles: [] });
    expect(JSON.stringify(list.body)).not.toMatch(/secret|test-app-secret/i);
    expect((await w.call(w.tokens['reader-app'], 'GET', '/servicePrincipals/web-app')).body).toMatchObject({ id: 'web-app' });
    expect((await w.call(w.tokens['reader-app'], 'GET', '/servicePrincipals/no-such-app')).status).toBe(404);
    expect((await w.call(w.tokens['reader-app'], 'GET', '/servicePrincipals/a%20b')).status).toBe(400);
    expect((await w.call(w.tokens['groups-app'], 'GET', '/servicePrincipals')).status).toBe(403);
    expect((await w.call(undefined, 'GET', '/servicePrincipals')).status).toBe(401);
  });
});

describe('assigning users and groups to apps', () => {
  it('assigns a user from the app side (201), lists it from both sides, removes it (204), audited', async () => {
    const res = await w.call<Assignment>(w.tokens['writer-app'], 'POST', '/servicePrincipals/web-app/appRoleAssignedTo', { principalId: guest, resourceId: 'web-app', appRoleId: DEFAULT_ROLE });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ principalId: guest, principalType: 'User', resourceId: 'web-app', appRoleId: DEFAULT_ROLE, principalDisplayName: 'guest', resourceDisplayName: 'Web App' });
    const fromApp = await w.call<{ value: Assignment[] }>(w.tokens['reader-app'], 'GET', '/servicePrincipals/web-app/appRoleAssignedTo');
    expect(fromApp.body.value.map((a) => a.id)).toContain(res.body.id);
    const fromUser = await w.call<{ value: Assignment[] }>(w.tokens['reader-app'], 'GET', `/users/${guest}/appRoleAssignments`);
    expect(fromUser.body.value.map((a) => a.id)).toEqual([res.body.id]);
    expect((await w.call(w.tokens['writer-app'], 'DELETE', `/servicePrincipals/web-app/appRoleAssignedTo/${res.body.id}`)).status).toBe(204);
    expect((await w.call<{ value: Assignment[] }>(w.tokens['reader-app'], 'GET', `/users/${guest}/appRoleAssignments`)).body.value).toEqual([]);
    const activities = (await w.db('audit_log').where({ target_id: guest }).orderBy('activity_at')).map((a) => a.activity);
    expect(activities).toEqual(['Add app role assignment to user', 'Remove app role assignment from user']);
  });

  it('assigns from the user side and the group side; group assignments need Group.ReadWrite.All', async () => {
    const u = await w.call<Assignment>(w.tokens['writer-app'], 'POST', `/users/${member}/appRoleAssignments`, { principalId: member, resourceId: 'web-app' });
    expect(u.status).toBe(201);
    const byWriter = await w.call(w.tokens['writer-app'], 'POST', `/groups/${group}/appRoleAssignments`, { principalId: group, resourceId: 'web-app' });
    expect(byWriter.status).toBe(403);
    const g = await w.call<Assignment>(w.tokens['groups-app'], 'POST', `/groups/${group}/appRoleAssignments`, { principalId: group, resourceId: 'web-app' });
    expect(g.status).toBe(201);
    expect(g.body).toMatchObject({ principalType: 'Group', principalDisplayName: 'Web users' });
    // The app side needs the permission that matches the principal's kind.
    const viaAppByWriter = await w.call(w.tokens['writer-app'], 'DELETE', `/servicePrincipals/web-app/appRoleAssignedTo/${g.body.id}`);
    expect(viaAppByWriter.status).toBe(403);
    expect((await w.call<{ value: Assignment[] }>(w.tokens['groups-app'], 'GET', `/groups/${group}/appRoleAssignments`)).body.value.map((a) => a.id)).toEqual([g.body.id]);
    expect((await w.call(w.tokens['groups-app'], 'DELETE', `/groups/${group}/appRoleAssignments/${g.body.id}`)).status).toBe(204);
    expect((await w.call(w.tokens['writer-app'], 'DELETE', `/users/${member}/appRoleAssignments/${u.body.id}`)).status).toBe(204);
    expect(await w.db('app_assignments').whereIn('principal_id', [member, group])).toEqual([]);
  });

  it.each([
    ['a duplicate', () => ({ principalId: guest, resourceId: 'web-app' }), 409, 'assignmentExists'],
    ['another app role', () => ({ principalId: guest, resourceId: 'web-app', appRoleId: '11111111-1111-1111-1111-111111111111' }), 400, 'invalidAppRoleId'],
    ['a resourceId that is not the app in the URL', () => ({ principalId: member, resourceId: 'spa-app' }), 400, 'invalidResource'],
    ['an unknown principal', () => ({ principalId: '7f1c6a57-5b8e-4d4a-9a53-2f7a1d3c9e11', resourceId: 'web-app' }), 404, 'Request_ResourceNotFound'],
    ['a malformed principalId', () => ({ principalId: 'me', resourceId: 'web-app' }), 400, 'invalidRequest'],
    ['an unknown property', () => ({ principalId: member, resourceId: 'web-app', extra: 1 }), 400, 'invalidRequest'],
  ])('from the app side refuses %s, writing nothing', async (_what, body, status, code) => {
    await w.db('app_assignments').delete();
    await w.call(w.tokens['writer-app'], 'POST', '/servicePrincipals/web-app/appRoleAssignedTo', { principalId: guest, resourceId: 'web-app' });
    const before = await count();
    const res = await w.call(w.tokens['admin-app'], 'POST', '/servicePrincipals/web-app/appRoleAssignedTo', body());
    expect([res.status, codeOf(res)]).toEqual([status, code]);
    expect(await count()).toBe(before);
  });

  it('from the user and group sides refuses a mismatched principal, an unknown app, unknown ids', async () => {
    const before = await count();
    const mismatch = await w.call(w.tokens['writer-app'], 'POST', `/users/${member}/appRoleAssignments`, { principalId: guest, resourceId: 'web-app' });
    expect([mismatch.status, codeOf(mismatch)]).toEqual([400, 'invalidPrincipal']);
    const noApp = await w.call(w.tokens['writer-app'], 'POST', `/users/${member}/appRoleAssignments`, { principalId: member, resourceId: 'nope-app' });
    expect([noApp.status, codeOf(noApp)]).toEqual([400, 'invalidResource']);
    expect((await w.call(w.tokens['writer-app'], 'POST', '/users/7f1c6a57-5b8e-4d4a-9a53-2f7a1d3c9e11/appRoleAssignments', { principalId: '7f1c6a57-5b8e-4d4a-9a53-2f7a1d3c9e11', resourceId: 'web-app' })).status).toBe(404);
    expect((await w.call(w.tokens['groups-app'], 'POST', `/groups/${group}/appRoleAssignments`, 'x', { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await w.call(w.tokens['writer-app'], 'DELETE', `/users/${member}/appRoleAssignments/7f1c6a57-5b8e-4d4a-9a53-2f7a1d3c9e11`)).status).toBe(404);
    // An assignment of someone else cannot be removed through this user's route.
    const other = (await w.db('app_assignments').first())!;
    expect((await w.call(w.tokens['writer-app'], 'DELETE', `/users/${member}/appRoleAssignments/${other.id}`)).status).toBe(404);
    expect((await w.call(w.tokens['writer-app'], 'DELETE', `/servicePrincipals/spa-app/appRoleAssignedTo/${other.id}`)).status).toBe(404);
    expect(await count()).toBe(before);
  });

  it('refuses every route without the permission (401/403), nothing changed', async () => {
    const existing = (await w.db('app_assignments').first())!;
    const before = await count();
    for (const app of ['reader-app', 'nothing-app', 'inviter-app']) {
      const t = w.tokens[app];
      for (const [method, path, body] of [
        ['POST', '/servicePrincipals/web-app/appRoleAssignedTo', { principalId: member, resourceId: 'web-app' }],
        ['DELETE', `/servicePrincipals/web-app/appRoleAssignedTo/${existing.id}`],
        ['POST', `/users/${member}/appRoleAssignments`, { principalId: member, resourceId: 'web-app' }],
        ['DELETE', `/users/${existing.principal_id}/appRoleAssignments/${existing.id}`],
        ['POST', `/groups/${group}/appRoleAssignments`, { principalId: group, resourceId: 'web-app' }],
        ['GET', `/groups/${group}/appRoleAssignments`],
      ] as const) {
        const res = await w.call(t, method, path, body);
        expect([app, method, path, res.status]).toEqual([app, method, path, 403]);
      }
    }
    for (const app of ['nothing-app', 'groups-app']) {
      expect((await w.call(w.tokens[app], 'GET', '/servicePrincipals/web-app/appRoleAssignedTo')).status).toBe(403);
      expect((await w.call(w.tokens[app], 'GET', `/users/${member}/appRoleAssignments`)).status).toBe(403);
    }
    expect((await w.call(undefined, 'POST', `/users/${member}/appRoleAssignments`, {})).status).toBe(401);
    expect(await count()).toBe(before);
  });
});

describe('assignment and sign-in', () => {
  it('removing a user’s assignment to an app that requires it revokes their refresh tokens for that app', async () => {
    const assigned = await w.call<Assignment>(w.tokens['writer-app'], 'POST', `/users/${member}/appRoleAssignments`, { principalId: member, resourceId: 'web-app' });
    const { config, tokens } = await signedInWebApp(w.issuer, 'member@contoso.example', PASSWORD);
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.access_token).toBeTruthy();
    expect((await w.call(w.tokens['writer-app'], 'DELETE', `/users/${member}/appRoleAssignments/${assigned.body.id}`)).status).toBe(204);
    expect(await oauthErrorOf(client.refreshTokenGrant(config, refreshed.refresh_token!))).toMatchObject({ error: 'invalid_grant' });
  });

  it.each([
    ['the group’s assignment is removed', 'assignment'],
    ['the user leaves the group', 'membership'],
  ])('access through a group ends at the next refresh when %s', async (_name, change) => {
    const email = `via-${change}@contoso.example`;
    const user = await w.foyer.createMember(email, PASSWORD);
    const viaGroup = String((await w.call(w.tokens['groups-app'], 'POST', '/groups', { displayName: `Web users via ${change}` })).body.id);
    expect((await w.call(w.tokens['groups-app'], 'POST', `/groups/${viaGroup}/members/$ref`, { '@odata.id': `${w.issuer}/v1.0/directoryObjects/${user}` })).status).toBe(204);
    const assigned = await w.call<Assignment>(w.tokens['groups-app'], 'POST', `/groups/${viaGroup}/appRoleAssignments`, { principalId: viaGroup, resourceId: 'web-app' });
    expect(assigned.status).toBe(201);
    const { config, tokens } = await signedInWebApp(w.issuer, email, PASSWORD);
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.access_token).toBeTruthy();

    const removed = change === 'assignment'
      ? await w.call(w.tokens['groups-app'], 'DELETE', `/groups/${viaGroup}/appRoleAssignments/${assigned.body.id}`)
      : await w.call(w.tokens['groups-app'], 'DELETE', `/groups/${viaGroup}/members/${user}/$ref`);
    expect(removed.status).toBe(204);
    expect(await oauthErrorOf(client.refreshTokenGrant(config, refreshed.refresh_token!))).toMatchObject({ error: 'invalid_grant' });
  });
});
