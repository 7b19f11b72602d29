import { beforeAll, describe, expect, it } from 'vitest';
import type * as client from 'openid-client';
import { api, appToken } from '../support/api-client.js';
import { Browser, leakedInternals } from '../support/browserless.js';
import { webAppClient } from '../support/oidc-client.js';
import { useWorld } from '../support/world.js';
import { PASSWORD, redeemedGuest } from '../portal/portal-helpers.js';
import { authorizationCode, redeemCode, WEB } from './support/web-oauth.js';
import { ownersWorld } from './support/owners-world.js';
import { worldState } from './support/web-snapshot.js';

/**
 * Privilege escalation through the Graph-shaped API with real user tokens: a guest, a member
 * without a role, the owner of one app or one group, an admin whose token carries too few scopes or
 * who was disabled since. Each reaches for something that is not theirs and gets 403 (401 for the
 * disabled admin), and the directory, the invitations and the outbox are compared before and after.
 * The mechanisms: src/api/api-principal.ts (role ∩ token scope), src/api/owner-guard.ts (ownership
 * of the resource in hand), src/api/bearer-auth.ts (the user is read on every call).
 */
const ALL_SCOPES = 'openid User.Read.All User.ReadWrite.All Group.ReadWrite.All User.Invite.All AuditLog.Read.All';

const world = useWorld(ownersWorld());
let issuer: string;
let web: client.Configuration;
let adminApp: string;
const ids: Record<string, string> = {};
const tokens: Record<string, string> = {};
let pendingInvitation: string;
let spaAssignment: string;

const ref = (id: string) => ({ '@odata.id': `${issuer}/v1.0/directoryObjects/${id}` });
const call = (token: string, method: string, path: string, body?: unknown) => api(issuer, token, method, path, body);

/** A user token for /v1.0 from a real sign-in to the web app in `browser` (the password form, or single sign-on). */
async function userToken(browser: Browser, email: string, scope = ALL_SCOPES): Promise<string> {
  const issued = await authorizationCode(browser, web, { email, password: PASSWORD, params: { resource: `${issuer}/v1.0`, scope } });
  const res = await redeemCode(issuer, WEB, issued.code, { code_verifier: issued.pending.codeVerifier });
  return String(res.body.access_token);
}

beforeAll(async () => {
  issuer = world.foyer.issuer;
  web = await webAppClient(issuer);
  adminApp = await appToken(issuer, 'admin-app');
  for (const who of ['admin', 'plain', 'appowner', 'groupowner', 'target']) {
    ids[who] = await world.foyer.createMember(`${who}@contoso.example`, PASSWORD, { admin: who === 'admin' });
  }
  const guest = await redeemedGuest(world, 'gwen@partner.example', 'gwen');
  ids.guest = guest.userId;
  ids.groupA = String((await call(adminApp, 'POST', '/groups', { displayName: 'Group A' })).body.id);
  ids.groupB = String((await call(adminApp, 'POST', '/groups', { displayName: 'Group B' })).body.id);
  expect((await call(adminApp, 'POST', `/groups/${ids.groupA}/owners/$ref`, ref(ids.groupowner!))).status).toBe(204);
  spaAssignment = String((await call(adminApp, 'POST', '/servicePrincipals/spa-app/appRoleAssignedTo', { principalId: ids.target, resourceId: 'spa-app' })).body.id);
  pendingInvitation = String((await call(adminApp, 'POST', '/invitations', { invitedUserEmailAddress: 'pending@partner.example', inviteRedirectUrl: 'http://127.0.0.1:9999/', sendInvitationMessage: true })).body.id);

  tokens.guest = await userToken(guest.browser, 'gwen@partner.example');
  for (const who of ['admin', 'plain', 'appowner', 'groupowner']) tokens[who] = await userToken(new Browser(), `${who}@contoso.example`);
  tokens.adminNoScopes = await userToken(new Browser(), 'admin@contoso.example', 'openid');
}, 90_000);

type Call = [method: string, path: string, body?: unknown];

/** Every call answers `status` (403 unless said), with no internals, and nothing anywhere changed. */
async function expectDenied(token: string, calls: Call[], status = 403): Promise<void> {
  const before = await worldState(world.foyer);
  for (const [method, path, body] of calls) {
    const res = await call(token, method, path, body);
    expect([method, path, res.status]).toEqual([method, path, status]);
    expect(leakedInternals(JSON.stringify(res.body))).toBeUndefined();
  }
  expect(await worldState(world.foyer)).toEqual(before);
}

/** What only an administrator may do, aimed at the other people and groups in the directory. */
const adminCalls = (): Call[] => [
  ['GET', '/users'],
  ['GET', `/users/${ids.target}`],
  ['PATCH', `/users/${ids.target}`, { accountEnabled: false }],
  ['DELETE', `/users/${ids.target}`],
  ['POST', `/users/${ids.target}/revokeSignInSessions`],
  ['GET', '/groups'],
  ['POST', '/groups', { displayName: 'Mine now' }],
  ['DELETE', `/groups/${ids.groupB}`],
  ['POST', `/groups/${ids.groupB}/members/$ref`, ref(ids.guest!)],
  ['POST', `/groups/${ids.groupA}/owners/$ref`, ref(ids.guest!)],
  ['POST', '/servicePrincipals/web-app/appRoleAssignedTo', { principalId: ids.guest, resourceId: 'web-app' }],
  ['POST', `/users/${ids.guest}/appRoleAssignments`, { principalId: ids.guest, resourceId: 'spa-app' }],
  ['DELETE', `/servicePrincipals/spa-app/appRoleAssignedTo/${spaAssignment}`],
  ['GET', '/auditLogs/signIns'],
];

describe('users without an admin role', () => {
  it('a guest’s token, with every API scope, may do none of an administrator’s work', async () => {
    await expectDenied(tokens.guest!, adminCalls());
  });

  it('a member without a role, with every API scope, may do none of it either', async () => {
    await expectDenied(tokens.plain!, adminCalls());
  });

  it('the positive control: the admin’s own token reads the same user and group', async () => {
    expect((await call(tokens.admin!, 'GET', `/users/${ids.target}`)).status).toBe(200);
    expect((await call(tokens.admin!, 'GET', `/groups/${ids.groupB}`)).status).toBe(200);
  });
});

describe('invitations, which every user token may carry the scope for', () => {
  const invitationCalls = (): Call[] => [
    ['GET', '/invitations'],
    ['GET', `/invitations/${pendingInvitation}`],
    ['POST', `/invitations/${pendingInvitation}/resend`],
    ['POST', `/invitations/${pendingInvitation}/revoke`],
  ];

  it('a guest may not list, read, resend or revoke other people’s invitations', async () => {
    await expectDenied(tokens.guest!, invitationCalls());
  });

  it('a member who may not invite (allowInvitesFrom: adminsAndGuestInviters) may not either', async () => {
    await expectDenied(tokens.plain!, invitationCalls());
  });
});

describe('owners acting beyond what they own', () => {
  it('the owner of one app may not assign to, read or unassign another app, not even through their own app’s URL', async () => {
    await expectDenied(tokens.appowner!, [
      ['GET', '/servicePrincipals/spa-app/appRoleAssignedTo'],
      ['POST', '/servicePrincipals/spa-app/appRoleAssignedTo', { principalId: ids.appowner, resourceId: 'spa-app' }],
      ['DELETE', `/servicePrincipals/spa-app/appRoleAssignedTo/${spaAssignment}`],
      ['POST', `/users/${ids.appowner}/appRoleAssignments`, { principalId: ids.appowner, resourceId: 'spa-app' }],
      ['PATCH', `/users/${ids.target}`, { accountEnabled: false }],
    ]);
    // Through web-app's URL, whose owner they are: the other app's assignment is not found there.
    await expectDenied(tokens.appowner!, [['DELETE', `/servicePrincipals/web-app/appRoleAssignedTo/${spaAssignment}`]], 404);
    await expectDenied(tokens.appowner!, [['POST', '/servicePrincipals/web-app/appRoleAssignedTo', { principalId: ids.appowner, resourceId: 'spa-app' }]], 400);
  });

  it('the owner of one group may not manage another, nor make anyone (themselves included) an owner', async () => {
    await expectDenied(tokens.groupowner!, [
      ['GET', `/groups/${ids.groupB}`],
      ['GET', `/groups/${ids.groupB}/members`],
      ['POST', `/groups/${ids.groupB}/members/$ref`, ref(ids.groupowner!)],
      ['POST', `/groups/${ids.groupB}/owners/$ref`, ref(ids.groupowner!)],
      ['POST', `/groups/${ids.groupA}/owners/$ref`, ref(ids.guest!)],
      ['DELETE', `/groups/${ids.groupA}/owners/${ids.groupowner}/$ref`],
      ['DELETE', `/groups/${ids.groupA}`],
      ['POST', `/groups/${ids.groupA}/appRoleAssignments`, { principalId: ids.groupA, resourceId: 'spa-app' }],
    ]);
  });
});

describe('administrators with less than they need', () => {
  it('an admin whose token carries no API scope may do nothing with it', async () => {
    await expectDenied(tokens.adminNoScopes!, adminCalls());
  });

  it('an admin disabled since their token was issued is refused at once (401), before it expires', async () => {
    const token = await userToken(new Browser(), 'admin@contoso.example');
    expect((await call(token, 'GET', `/users/${ids.target}`)).status).toBe(200);
    expect((await call(adminApp, 'PATCH', `/users/${ids.admin}`, { accountEnabled: false })).status).toBe(204);
    try {
      await expectDenied(token, adminCalls(), 401);
    } finally {
      expect((await call(adminApp, 'PATCH', `/users/${ids.admin}`, { accountEnabled: true })).status).toBe(204);
    }
  });
});
