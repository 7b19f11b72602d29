/**
 * What apps learn in their tokens, end to end with openid-client as the apps and Fabrikam's real
 * OpenID provider as the guest's home IdP: app roles through a group (that app's only), the groups
 * claim and its overage, optional claims including one passed on from Fabrikam, changes reaching
 * the next refresh, and the attacks (a role through the API without permission, another app's
 * roles, an upstream claim under Foyer's names).
 */
import { decodeJwt } from 'jose';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, appToken } from '../support/api-client.js';
import type { Browser } from '../support/browserless.js';
import { DEMO_SECRET } from '../support/start-foyer.js';
import { start, type TestApp } from '../e2e-access/access-support.js';
import { APP_A, APP_B, invite, redeem, startPartnerWorld, type PartnerWorld } from '../partners/partner-world.js';

const APPROVER = '6b1f2d4e-8c3a-4f5b-9d7e-1a2b3c4d5e6f';
const AUDITOR = '0c9d8e7f-6a5b-4c3d-8e1f-2a3b4c5d6e7f';
const B_APPROVER = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';
const API = 'https://api.contoso.example';

let world: PartnerWorld;
let admin: string;
let nobody: string;
let dora: { userId: string; browser: Browser };
let approvers: string;

const call = <T = Record<string, unknown>>(token: string | undefined, method: string, path: string, body?: unknown) => api<T>(world.issuer, token, method, path, body);
const countAssignments = async () => Number((await world.foyer.foyer.db('app_assignments').count({ n: '*' }).first())!.n);

beforeAll(async () => {
  world = await startPartnerWorld((config) => {
    const apps = config.apps as Record<string, unknown>[];
    const a = apps.find((x) => x.id === APP_A.id)!;
    Object.assign(a, {
      appRoles: [
        { id: APPROVER, value: 'approver', displayName: 'Approver', description: 'Approves expenses' },
        { id: AUDITOR, value: 'auditor', displayName: 'Auditor' },
      ],
      groupMembershipClaims: 'SecurityGroup',
      groupsClaimLimit: 3,
      optionalClaims: {
        idToken: [{ name: 'given_name' }, { name: 'department', from: { fabrikam: 'department' } }, { name: 'home_tenant_id' }, { name: 'home_tenant_name' }, { name: 'upstream_user_type', from: { fabrikam: 'user_type' } }],
        accessToken: [{ name: 'department', from: { fabrikam: 'department' } }, { name: 'user_type' }],
      },
    });
    Object.assign(apps.find((x) => x.id === APP_B.id)!, { appRoles: [{ id: B_APPROVER, value: 'approver', displayName: 'Approver' }], groupMembershipClaims: 'ApplicationGroup' });
    apps.push({ id: 'admin-app', displayName: 'Admin', clientSecret: DEMO_SECRET, grantTypes: ['client_credentials'], permissions: ['User.ReadWrite.All', 'Group.ReadWrite.All'] });
    apps.push({ id: 'nobody-app', displayName: 'No permissions', clientSecret: DEMO_SECRET, grantTypes: ['client_credentials'], permissions: [] });
    config.resourceServers = [{ identifier: API, scopes: ['read'] }];
  });
  admin = await appToken(world.issuer, 'admin-app');
  nobody = await appToken(world.issuer, 'nobody-app');
  const invited = await invite(world, 'dora@fabrikam.example');
  const { browser } = await redeem(world, invited.redeemUrl, 'fabrikam', 'dora');
  dora = { userId: invited.userId, browser };
  approvers = String((await call(admin, 'POST', '/groups', { displayName: 'Expense approvers' })).body.id);
  expect((await call(admin, 'POST', `/groups/${approvers}/members/$ref`, { '@odata.id': `${world.issuer}/v1.0/directoryObjects/${dora.userId}` })).status).toBe(204);
  const assigned = await call(admin, 'POST', `/servicePrincipals/${APP_A.id}/appRoleAssignedTo`, { principalId: approvers, resourceId: APP_A.id, appRoleId: APPROVER });
  expect(assigned.status, JSON.stringify(assigned.body)).toBe(201);
  expect(assigned.body).toMatchObject({ appRoleId: APPROVER, principalType: 'Group' });
}, 120_000);
afterAll(() => world?.stop());

/** Dora signs in to an app (single sign-on in her browser); with `resource` the access token is a JWT for that API. */
async function signIn(app: TestApp, resource?: string) {
  const auth = await start(dora.browser, world.issuer, app, resource ? { resource, scope: 'openid email profile read offline_access' } : { scope: 'openid email profile offline_access' });
  if (!auth.page.stoppedAt) throw new Error(`no single sign-on to ${app.id}: ${auth.page.status} ${auth.page.url}`);
  const tokens = await client.authorizationCodeGrant(auth.config, new URL(auth.page.stoppedAt), { pkceCodeVerifier: auth.pending.codeVerifier, expectedState: auth.pending.state, expectedNonce: auth.pending.nonce, idTokenExpected: true });
  return { config: auth.config, tokens, id: tokens.claims()!, access: resource ? decodeJwt(tokens.access_token) : undefined };
}

describe('app roles', () => {
  it('a guest given approver through a group has roles ["approver"] in both tokens of that app', async () => {
    const { id, access } = await signIn(APP_A, API);
    expect(id.roles).toEqual(['approver']);
    expect(access).toMatchObject({ roles: ['approver'], aud: API, idtyp: 'user', sub: dora.userId });
  });

  it('and nothing in another app’s tokens, even one with a role of the same name', async () => {
    const { id, tokens, config } = await signIn(APP_B);
    expect(id.roles).toBeUndefined();
    const introspected = await client.tokenIntrospection(config, tokens.access_token);
    expect(introspected.active).toBe(true);
    expect(introspected.roles).toBeUndefined();
  });

  it('a role change reaches the next refresh, and the API lists the role by id', async () => {
    const first = await signIn(APP_A, API);
    const direct = await call(admin, 'POST', `/users/${dora.userId}/appRoleAssignments`, { principalId: dora.userId, resourceId: APP_A.id, appRoleId: AUDITOR });
    expect(direct.status).toBe(201);
    const refreshed = await client.refreshTokenGrant(first.config, first.tokens.refresh_token!);
    expect(refreshed.claims()!.roles).toEqual(['approver', 'auditor']);
    expect(decodeJwt(refreshed.access_token).roles).toEqual(['approver', 'auditor']);
    const listed = await call<{ value: { appRoleId: string }[] }>(admin, 'GET', `/users/${dora.userId}/appRoleAssignments`);
    expect(listed.body.value.map((a) => a.appRoleId)).toEqual([AUDITOR]);
    expect((await call(admin, 'DELETE', `/users/${dora.userId}/appRoleAssignments/${String(direct.body.id)}`)).status).toBe(204);
  });
});

describe('the groups claim', () => {
  it('SecurityGroup: every group as ids; ApplicationGroup: only the groups assigned to that app', async () => {
    expect((await signIn(APP_A)).id.groups).toEqual([approvers]);
    expect((await signIn(APP_B)).id.groups).toBeUndefined();
    const other = String((await call(admin, 'POST', '/groups', { displayName: 'App B users' })).body.id);
    await call(admin, 'POST', `/groups/${other}/members/$ref`, { '@odata.id': `${world.issuer}/v1.0/directoryObjects/${dora.userId}` });
    expect((await call(admin, 'POST', `/servicePrincipals/${APP_B.id}/appRoleAssignedTo`, { principalId: other, resourceId: APP_B.id })).status).toBe(201);
    const b = await signIn(APP_B);
    expect(b.id.groups).toEqual([other]);
    // Default access through a group is no role.
    expect(b.id.roles).toBeUndefined();
  });

  it('over the limit: no list, and a pointer to the API the app can call instead', async () => {
    const first = await signIn(APP_A, API);
    for (const name of ['Finance', 'Travel']) {
      const g = String((await call(admin, 'POST', '/groups', { displayName: name })).body.id);
      await call(admin, 'POST', `/groups/${g}/members/$ref`, { '@odata.id': `${world.issuer}/v1.0/directoryObjects/${dora.userId}` });
    }
    const refreshed = await client.refreshTokenGrant(first.config, first.tokens.refresh_token!);
    const endpoint = `${world.issuer}/v1.0/users/${dora.userId}/memberOf`;
    for (const claims of [refreshed.claims()!, decodeJwt(refreshed.access_token)]) {
      expect(claims.groups).toBeUndefined();
      expect(claims._claim_names).toEqual({ groups: 'src1' });
      expect(claims._claim_sources).toEqual({ src1: { endpoint } });
      expect(claims.roles).toEqual(['approver']);
    }
    const listed = await call<{ value: { id: string }[] }>(await world.token(), 'GET', new URL(endpoint).pathname.replace('/v1.0', ''));
    expect(listed.status).toBe(200);
    expect(listed.body.value).toHaveLength(4);
  });
});

describe('optional claims', () => {
  it("Foyer's own, a standard one and an attribute passed on from Fabrikam, per token", async () => {
    const { id, access } = await signIn(APP_A, API);
    expect(id).toMatchObject({ given_name: 'Dora', department: 'Finance', home_tenant_id: 'fabrikam', home_tenant_name: 'Fabrikam', user_type: 'Guest' });
    expect(access).toMatchObject({ department: 'Finance', user_type: 'Guest' });
    expect(access!.given_name).toBeUndefined();
  });

  it("claims from Fabrikam cannot overwrite Foyer's: sub, email_verified, user_type and roles stay Foyer's", async () => {
    const { id, access } = await signIn(APP_A, API);
    // Fabrikam asserted user_type Member and roles [admin]; an app that asks sees them only under another name.
    expect(id.upstream_user_type).toBe('Member');
    expect(id).toMatchObject({ sub: dora.userId, email_verified: true, user_type: 'Guest', roles: ['approver'] });
    expect(access).toMatchObject({ sub: dora.userId, user_type: 'Guest', roles: ['approver'] });
    // The other app asked for nothing from Fabrikam.
    expect((await signIn(APP_B)).id).not.toHaveProperty('department');
  });
});

describe('attacks', () => {
  it('a guest cannot give herself a role through the API (403, nothing written)', async () => {
    const before = await countAssignments();
    const { userApiTokenFor } = await guestApiToken();
    for (const [path, body] of [
      [`/servicePrincipals/${APP_A.id}/appRoleAssignedTo`, { principalId: dora.userId, resourceId: APP_A.id, appRoleId: AUDITOR }],
      [`/users/${dora.userId}/appRoleAssignments`, { principalId: dora.userId, resourceId: APP_A.id, appRoleId: AUDITOR }],
    ] as const) {
      for (const token of [userApiTokenFor, nobody]) {
        const res = await call(token, 'POST', path, body);
        expect(res.status, `${path}: ${JSON.stringify(res.body)}`).toBe(403);
      }
    }
    expect(await countAssignments()).toBe(before);
  });

  it("an app cannot read another app's roles: not by introspecting its token, not through the API without permission", async () => {
    const a = await signIn(APP_A);
    const b = await signIn(APP_B);
    expect((await client.tokenIntrospection(b.config, a.tokens.access_token)).active).toBe(false);
    expect((await call(nobody, 'GET', `/servicePrincipals/${APP_A.id}/appRoleAssignedTo`)).status).toBe(403);
    expect((await call(nobody, 'GET', `/servicePrincipals/${APP_A.id}`)).status).toBe(403);
    // App A's own opaque token says its roles to App A.
    expect((await client.tokenIntrospection(a.config, a.tokens.access_token)).roles).toEqual(['approver']);
  });
});

/** Dora's own token for Foyer's API (through App A, which may ask for it), with every write scope. */
async function guestApiToken(): Promise<{ userApiTokenFor: string }> {
  const resource = `${world.issuer}/v1.0`;
  const auth = await start(dora.browser, world.issuer, APP_A, { resource, scope: 'openid User.ReadWrite.All Group.ReadWrite.All' });
  const tokens = await client.authorizationCodeGrant(auth.config, new URL(auth.page.stoppedAt!), { pkceCodeVerifier: auth.pending.codeVerifier, expectedState: auth.pending.state, expectedNonce: auth.pending.nonce });
  const claims = decodeJwt(tokens.access_token);
  expect(claims).toMatchObject({ aud: resource, idtyp: 'user' });
  // Foyer's API is no place for App A's roles (it reads roles as Graph permissions on app tokens).
  expect(claims.roles).toBeUndefined();
  return { userApiTokenFor: tokens.access_token };
}
