/**
 * `npx foyer partners list|show` and the partner part of `npx foyer policy what-if`, run as an
 * operator runs them (the real bin against a real config file and SQLite database).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runCli, tempConfig, type TempConfig } from './cli-harness.js';

let cfg: TempConfig;
const cli = (...args: string[]) => runCli(args, { config: cfg.file });
const app = (id: string) => ({ id, displayName: `App ${id.slice(-1).toUpperCase()}`, clientSecret: 'x'.repeat(32), redirectUris: [`https://${id}.contoso.example/cb`], launchUrl: `https://${id}.contoso.example/` });

beforeAll(async () => {
  await ensureBuilt();
  cfg = tempConfig((raw) => {
    (raw.apps as unknown[]).push(app('app-a'), app('app-b'));
    raw.identityProviders = [
      { type: 'oidc', id: 'fabrikam', displayName: 'Fabrikam', issuer: 'https://login.fabrikam.example', clientId: 'foyer', clientSecret: 's', domains: ['fabrikam.example'] },
      { type: 'oidc', id: 'northwind', displayName: 'Northwind', issuer: 'https://login.northwind.example', clientId: 'foyer', clientSecret: 's', domains: ['northwind.example'] },
    ];
    raw.partners = [
      { id: 'fabrikam', displayName: 'Fabrikam', domains: ['fabrikam.example'], identityProviders: ['fabrikam'], inboundTrust: { isMfaAccepted: true, mfaMaxAgeMinutes: 60 }, automaticUserConsentSettings: { inboundAllowed: true }, invitations: { ticketTtlDays: 7, sponsor: 'owner@contoso.example' } },
      { id: 'northwind', displayName: 'Northwind', domains: ['northwind.example'], identityProviders: ['northwind'], b2bCollaborationInbound: { applications: { accessType: 'allowed', targets: ['app-a'] } } },
    ];
    raw.conditionalAccess = [
      {
        id: 'fabrikam-mfa',
        displayName: 'Fabrikam guests do MFA',
        state: 'enabled',
        conditions: { users: { includeGuestsOrExternalUsers: { guestOrExternalUserTypes: 'b2bCollaborationGuest', externalTenants: { membershipKind: 'enumerated', members: ['fabrikam'] } } }, applications: { includeApplications: ['All'] } },
        grantControls: { builtInControls: ['mfa'] },
      },
    ];
    raw.mfa = { encryptionKey: 'b'.repeat(64) };
  });
  for (const email of ['alice@fabrikam.example', 'nina@northwind.example']) {
    const r = await cli('invite', email, '--redirect', 'https://app-a.contoso.example/');
    expect(r.code, r.stderr).toBe(0);
  }
}, 120_000);
afterAll(() => cfg?.remove());

describe('npx foyer partners', () => {
  it('list: each partner and partnerDefaults, as a reviewer reads them', async () => {
    const r = await cli('partners', 'list');
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toContain(
      [
        'fabrikam             Fabrikam',
        '  domains: fabrikam.example; identity providers: fabrikam',
        '  who may come in: everyone',
        '  which apps: all apps (My Apps always)',
        '  MFA at their IdP: accepted, at most 60 minutes old',
        '  automatic redemption: on (no review page)',
        'northwind            Northwind',
        '  domains: northwind.example; identity providers: northwind',
        '  who may come in: everyone',
        '  which apps: only app-a (My Apps always)',
        '  MFA at their IdP: not accepted (Foyer asks for its own)',
        '  automatic redemption: off',
        'default              every other organisation',
      ].join('\n'),
    );
  });

  it('show: one partner in full, where each setting comes from; --json in Graph’s shape', async () => {
    const r = await cli('partners', 'show', 'northwind');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Northwind (northwind)');
    expect(r.stdout).toContain('MFA from northwind: not accepted [partner northwind (inboundTrust from partnerDefaults)]');
    expect(r.stdout).toContain('inherited from partnerDefaults: usersAndGroups, inboundTrust, automaticUserConsentSettings');
    const fabrikam = await cli('partners', 'show', 'fabrikam');
    expect(fabrikam.stdout).toContain('MFA from fabrikam: accepted (amr mfa; at most 60 minutes old) [partner fabrikam]');
    expect(fabrikam.stdout).toContain('invitations: links work 7 days; sponsor owner@contoso.example');
    const json = JSON.parse((await cli('partners', 'show', 'default', '--json')).stdout) as Record<string, unknown>;
    expect(json).toMatchObject({ isServiceDefault: true, automaticUserConsentSettings: { inboundAllowed: false } });
  });

  it('show of an unknown partner: exit 2 and the known ids', async () => {
    const r = await cli('partners', 'show', 'wingtip');
    expect([r.code, r.stdout, r.stderr.trim()]).toEqual([2, '', 'error: no partner has the id "wingtip" (partners: fabrikam, northwind, default)']);
  });
});

describe('npx foyer policy what-if, with partners', () => {
  it('shows the partner settings that applied and why, and a refusal decides before conditional access', async () => {
    const r = await cli('policy', 'what-if', '--user', 'nina@northwind.example', '--app', 'app-b', '--idp', 'northwind');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Northwind (northwind), because of domain northwind.example');
    expect(r.stdout).toMatch(/app: applications: only app-a → REFUSED \(partnerAppNotAllowed\)/);
    expect(r.stdout).toMatch(/identity provider: identityProviders: northwind is one of northwind → allowed/);
    expect(r.stdout).toContain('MFA done at that IdP: does not count [partner northwind (inboundTrust from partnerDefaults)]');
    expect(r.stdout.trim().split('\n').at(-1)).toBe('Decision: REFUSED by the partner settings of northwind (partnerAppNotAllowed), before conditional access');
  });

  it('another IdP for a partner’s address is refused too; a partner policy (externalTenants) names its guests', async () => {
    const otp = await cli('policy', 'what-if', '--user', 'nina@northwind.example', '--app', 'app-a', '--idp', 'email-otp');
    expect(otp.stdout.trim().split('\n').at(-1)).toBe('Decision: REFUSED by the partner settings of northwind (partnerIdentityProviderNotAllowed), before conditional access');

    const alice = await cli('policy', 'what-if', '--user', 'alice@fabrikam.example', '--app', 'app-b', '--idp', 'fabrikam');
    expect(alice.stdout).toContain('MFA done at that IdP: counts (amr mfa, at most 60 minutes old) [partner fabrikam]');
    expect(alice.stdout).toContain('user included: b2bCollaborationGuest of partner fabrikam');
    expect(alice.stdout.trim().split('\n').at(-1)).toBe('Decision: REQUIRE MFA');
    const nina = await cli('policy', 'what-if', '--user', 'nina@northwind.example', '--app', 'app-a', '--idp', 'northwind');
    expect(nina.stdout.trim().split('\n').at(-1)).toBe('Decision: ALLOW');
  });

  it('--json carries the partner decision', async () => {
    const r = await cli('policy', 'what-if', '--user', 'nina@northwind.example', '--app', 'app-b', '--json');
    const out = JSON.parse(r.stdout) as { partner: { allowed: boolean; refusal: { code: string; partner: string }; applied: { partner: string; matchedBy: string[] }[] } };
    expect(out.partner).toMatchObject({ allowed: false, refusal: { code: 'partnerAppNotAllowed', partner: 'northwind' }, applied: [{ partner: 'northwind', matchedBy: ['domain northwind.example'] }] });
  });
});
