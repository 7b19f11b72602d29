/**
 * GET /v1.0/policies/crossTenantAccessPolicy/partners[/{tenantId}] and /default: the partner
 * settings from config in Graph's shapes, read-only, for callers with Policy.Read.All; and the
 * sign-in log filtered by a guest's partner (homeTenantId).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasPermission, type ApiPrincipal } from '../../src/api/api-principal.js';
import { api, appToken } from '../support/api-client.js';
import { finish, start } from '../e2e-access/access-support.js';
import { APP_A, invite, redeem, startPartnerWorld, type PartnerWorld } from '../partners/partner-world.js';

let world: PartnerWorld;
let token: string;
const BASE = '/policies/crossTenantAccessPolicy';

beforeAll(async () => {
  world = await startPartnerWorld((config) => {
    config.partnerDefaults = { inboundTrust: { isMfaAccepted: false }, automaticUserConsentSettings: { inboundAllowed: false } };
    (config.partners as Record<string, unknown>[])[0]!.invitations = { ticketTtlDays: 7, sponsor: 'owner@contoso.example', message: 'Welcome to the project.' };
  });
  token = await world.token();
});
afterAll(() => world?.stop());

describe('cross-tenant access settings', () => {
  it('lists the partners in Graph’s shape; a section left to the defaults is null', async () => {
    const res = await api(world.issuer, token, 'GET', `${BASE}/partners`);
    expect(res.status).toBe(200);
    expect(res.body['@odata.context']).toBe(`${world.issuer}/v1.0/$metadata#policies/crossTenantAccessPolicy/partners`);
    const [fabrikam, northwind] = res.body.value as Record<string, unknown>[];
    expect(fabrikam).toEqual({
      tenantId: 'fabrikam',
      displayName: 'Fabrikam',
      isServiceProvider: false,
      isInMultiTenantOrganization: false,
      inboundTrust: { isMfaAccepted: true, isCompliantDeviceAccepted: false, isHybridAzureADJoinedDeviceAccepted: false, mfaMaxAgeMinutes: 60, mfaAmrValues: ['mfa'], mfaAcrValues: [] },
      b2bCollaborationInbound: null,
      b2bCollaborationOutbound: null,
      b2bDirectConnectInbound: null,
      b2bDirectConnectOutbound: null,
      automaticUserConsentSettings: { inboundAllowed: true, outboundAllowed: false },
      tenantRestrictions: null,
      domains: ['fabrikam.example'],
      identityProviders: ['fabrikam'],
      invitationDefaults: { ticketTtlDays: 7, sponsor: 'owner@contoso.example', message: 'Welcome to the project.' },
    });
    expect(northwind).toMatchObject({
      tenantId: 'northwind',
      inboundTrust: null,
      automaticUserConsentSettings: null,
      b2bCollaborationInbound: { usersAndGroups: null, applications: { accessType: 'allowed', targets: [{ target: 'app-a', targetType: 'application' }] } },
    });
  });

  it('reads one partner by tenantId; an unknown one is a 404, a malformed one a 400', async () => {
    const one = await api(world.issuer, token, 'GET', `${BASE}/partners/northwind`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ '@odata.context': `${world.issuer}/v1.0/$metadata#policies/crossTenantAccessPolicy/partners/$entity`, tenantId: 'northwind' });
    const missing = await api(world.issuer, token, 'GET', `${BASE}/partners/wingtip`);
    expect([missing.status, (missing.body.error as { code: string }).code]).toEqual([404, 'Request_ResourceNotFound']);
    const bad = await api(world.issuer, token, 'GET', `${BASE}/partners/Not%20An%20Id`);
    expect([bad.status, (bad.body.error as { code: string }).code]).toEqual([400, 'invalidId']);
  });

  it('reads the defaults, with the redemption order for organisations that are not partners', async () => {
    const res = await api(world.issuer, token, 'GET', `${BASE}/default`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      isServiceDefault: true,
      inboundTrust: { isMfaAccepted: false },
      b2bCollaborationInbound: {
        usersAndGroups: { accessType: 'allowed', targets: [{ target: 'AllUsers', targetType: 'user' }] },
        applications: { accessType: 'allowed', targets: [{ target: 'AllApplications', targetType: 'application' }] },
      },
      automaticUserConsentSettings: { inboundAllowed: false, outboundAllowed: false },
      invitationRedemptionIdentityProviderConfiguration: { primaryIdentityProviderPrecedenceOrder: ['externalFederation', 'socialIdentityProviders'], fallbackIdentityProvider: 'emailOneTimePasscode' },
    });
  });

  it('is read-only: every other method is 405, and nothing changes', async () => {
    for (const [method, path] of [['POST', `${BASE}/partners`], ['PATCH', `${BASE}/partners/fabrikam`], ['DELETE', `${BASE}/partners/fabrikam`], ['PUT', `${BASE}/default`]] as const) {
      const res = await api(world.issuer, token, method, path, method === 'DELETE' ? undefined : { b2bCollaborationInbound: null });
      expect([method, res.status, (res.body.error as { code: string }).code]).toEqual([method, 405, 'methodNotAllowed']);
    }
    expect((await api(world.issuer, token, 'GET', `${BASE}/partners/fabrikam`)).body).toMatchObject({ automaticUserConsentSettings: { inboundAllowed: true } });
  });

  it('needs a token with Policy.Read.All', async () => {
    expect((await api(world.issuer, undefined, 'GET', `${BASE}/partners`)).status).toBe(401);
    const daemon = await appToken(world.issuer, 'daemon-app');
    const res = await api(world.issuer, daemon, 'GET', `${BASE}/default`);
    expect([res.status, (res.body.error as { code: string }).code]).toEqual([403, 'Authorization_RequestDenied']);
    // People: admins hold it (with the scope); guest inviters do not.
    const person = (roles: ('admin' | 'guestInviter')[]): ApiPrincipal => ({ kind: 'user', userId: 'u', displayName: 'u', userType: 'Member', roles, scopes: new Set(['Policy.Read.All']), appId: 'x' });
    expect(hasPermission(person(['admin']), 'Policy.Read.All')).toBe(true);
    expect(hasPermission(person(['guestInviter']), 'Policy.Read.All')).toBe(false);
  });

  it('the sign-in log names each guest’s partner and filters on it (homeTenantId)', async () => {
    const { browser } = await redeem(world, (await invite(world, 'nina@northwind.example')).redeemUrl, 'northwind', 'nina');
    await finish(await start(browser, world.issuer, APP_A));
    const res = await api(world.issuer, token, 'GET', `/auditLogs/signIns?$filter=${encodeURIComponent("homeTenantId eq 'northwind' and appId eq 'app-a'")}`);
    expect(res.status).toBe(200);
    const rows = res.body.value as Record<string, unknown>[];
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row).toMatchObject({ homeTenantId: 'northwind', homeTenantName: 'Northwind', crossTenantAccessType: 'b2bCollaboration', userPrincipalName: 'nina@northwind.example' });
    const none = await api(world.issuer, token, 'GET', `/auditLogs/signIns?$filter=${encodeURIComponent("homeTenantId eq 'fabrikam'")}`);
    expect(none.body.value).toEqual([]);
  });
});
