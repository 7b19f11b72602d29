import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ConfigError, loadConfig } from '../../src/config/load-config.js';
import { projectRoot } from '../../src/lib/project-root.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const foyer = {
  tenant: { displayName: 'Contoso' },
  storage: { databaseUrl: 'sqlite::memory:' },
  apps: [{ id: 'payroll', displayName: 'Payroll', clientSecret: 'x'.repeat(32), redirectUris: ['https://payroll.example/cb'] }],
  identityProviders: [{ id: 'partner', type: 'oidc', displayName: 'Partner', issuer: 'https://idp.partner.example', clientId: 'c', clientSecret: 's' }],
};

const mfaPolicy = {
  displayName: 'Guests MFA',
  state: 'enabled',
  conditions: { users: { includeUsers: ['GuestsOrExternalUsers'] }, applications: { includeApplications: ['payroll'] } },
  grantControls: { builtInControls: ['mfa'] },
};

/** A config folder with foyer.yaml and policies.yaml, as an admin lays it out; returns the problems, or the config. */
function load(policies: Record<string, unknown>, env: Record<string, string> = {}, base: Record<string, unknown> = foyer) {
  const dir = mkdtempSync(join(tmpdir(), 'foyer-policies-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'foyer.yaml'), stringify(base));
  writeFileSync(join(dir, 'policies.yaml'), stringify(policies));
  try {
    return { config: loadConfig(dir, env), problems: [] as string[] };
  } catch (err) {
    if (err instanceof ConfigError) return { config: undefined, problems: err.problems.map((p) => p.replace(/^.*?(policies|foyer)\.yaml/, '$1.yaml')) };
    throw err;
  }
}

describe('conditional access in config files', () => {
  it('loads policies, named locations, terms and MFA settings from policies.yaml, with defaults filled in', () => {
    const { config, problems } = load({
      conditionalAccess: [
        mfaPolicy,
        {
          id: 'office-only',
          displayName: 'Block outside the office',
          state: 'enabledForReportingButNotEnforced',
          conditions: { users: { includeUsers: ['All'], excludeUsers: ['Admin@Contoso.example'] }, applications: { includeApplications: ['All'] }, locations: { excludeLocations: ['AllTrusted'] }, identityProviders: { includeIdentityProviders: ['partner', 'email-otp', 'local'] } },
          grantControls: { builtInControls: ['block'] },
        },
      ],
      namedLocations: [{ id: 'office', displayName: 'Office', isTrusted: true, ipRanges: [{ cidrAddress: '203.0.113.0/24' }, '2001:db8::/48'] }],
      termsOfUse: [{ id: 'guest-terms', displayName: 'Guest terms', version: 3, url: 'https://contoso.example/terms' }],
      mfa: { encryptionKey: 'a'.repeat(64) },
    });
    expect(problems).toEqual([]);
    expect(config!.conditionalAccess[0]).toMatchObject({
      id: 'guests-mfa',
      grantControls: { operator: 'OR', builtInControls: ['mfa'], termsOfUse: [] },
      conditions: { users: { includeUsers: ['GuestsOrExternalUsers'], excludeUsers: [], includeGroups: [], excludeGroups: [] } },
    });
    expect(config!.conditionalAccess[1]!.conditions).toMatchObject({ users: { excludeUsers: ['admin@contoso.example'] }, locations: { includeLocations: ['All'], excludeLocations: ['AllTrusted'] } });
    expect(config!.namedLocations[0]!.ipRanges).toEqual(['203.0.113.0/24', '2001:db8::/48']);
    expect(config!.termsOfUse[0]!.version).toBe('3');
    expect(config!.mfa).toEqual({ encryptionKey: 'a'.repeat(64), maxAttempts: 5, lockoutSeconds: 900 });
  });

  it('defaults to no policies and working MFA settings when the keys are absent', () => {
    const { config } = load({});
    expect(config).toMatchObject({ conditionalAccess: [], namedLocations: [], termsOfUse: [], mfa: { maxAttempts: 5, lockoutSeconds: 900 } });
  });

  it('the shipped example (config/) is valid and enforces nothing, so npm start and the demo need no MFA', () => {
    const config = loadConfig(join(projectRoot, 'config'), {});
    expect(config.conditionalAccess.length).toBeGreaterThan(0);
    expect(config.conditionalAccess.filter((p) => p.state === 'enabled')).toEqual([]);
  });

  it.each([
    [{ ...mfaPolicy, state: 'on' }, 'policies.yaml: conditionalAccess[0].state: must be one of enabled, disabled, enabledForReportingButNotEnforced'],
    [{ ...mfaPolicy, conditions: { ...mfaPolicy.conditions, applications: { includeApplications: ['payrol'] } } }, 'policies.yaml: conditionalAccess[0].conditions.applications.includeApplications[0]: unknown app id "payrol" (known: All, None, payroll, foyer-myapps)'],
    [{ ...mfaPolicy, conditions: { ...mfaPolicy.conditions, users: { includeUsers: ['Guests'] } } }, 'policies.yaml: conditionalAccess[0].conditions.users.includeUsers[0]: must be All, None, GuestsOrExternalUsers, Members, a user id (UUID) or an email address'],
    [{ ...mfaPolicy, conditions: { ...mfaPolicy.conditions, users: { includeUsers: ['All'], excludeUsers: ['All'] } } }, 'policies.yaml: conditionalAccess[0].conditions.users.excludeUsers[0]: must be GuestsOrExternalUsers, Members, a user id (UUID) or an email address'],
    [{ ...mfaPolicy, conditions: { ...mfaPolicy.conditions, users: {} } }, 'policies.yaml: conditionalAccess[0].conditions.users.includeUsers: say whom the policy applies to: All, GuestsOrExternalUsers, Members, user ids or emails (or includeGroups, includeGuestsOrExternalUsers)'],
    [{ ...mfaPolicy, conditions: { ...mfaPolicy.conditions, users: { includeGroups: ['staff'] } } }, 'policies.yaml: conditionalAccess[0].conditions.users.includeGroups[0]: must be a group id (a UUID, see npx foyer groups list)'],
    [{ ...mfaPolicy, grantControls: { builtInControls: ['block', 'mfa'] } }, 'policies.yaml: conditionalAccess[0].grantControls.builtInControls: block cannot be combined with other controls (it denies access whatever else is satisfied)'],
    [{ ...mfaPolicy, grantControls: { builtInControls: ['compliantDevice'] } }, 'policies.yaml: conditionalAccess[0].grantControls.builtInControls[0]: must be one of block, mfa, termsOfUse'],
    [{ ...mfaPolicy, grantControls: { operator: 'XOR', builtInControls: ['mfa'] } }, 'policies.yaml: conditionalAccess[0].grantControls.operator: must be one of OR, AND'],
    [{ ...mfaPolicy, grantControls: { builtInControls: [] } }, 'policies.yaml: conditionalAccess[0].grantControls: the policy has no grantControls (block, mfa, authenticationStrength, termsOfUse) and no sessionControls, so it would do nothing'],
    [{ ...mfaPolicy, grantControls: { termsOfUse: ['nda'] } }, 'policies.yaml: conditionalAccess[0].grantControls.termsOfUse[0]: unknown termsOfUse id "nda" (known: none configured)'],
    [{ ...mfaPolicy, grantControls: { builtInControls: ['termsOfUse'] } }, 'policies.yaml: conditionalAccess[0].grantControls.builtInControls: termsOfUse is required but no termsOfUse entries are configured (top-level termsOfUse)'],
    [{ ...mfaPolicy, sessionControls: { signInFrequency: { value: 24, type: 'hours' } } }, 'policies.yaml: conditionalAccess[0].sessionControls.signInFrequency.value: must be 1-23 hours or 1-365 days (as in Entra)'],
    [{ ...mfaPolicy, conditions: { ...mfaPolicy.conditions, locations: { includeLocations: ['hq'] } } }, 'policies.yaml: conditionalAccess[0].conditions.locations.includeLocations[0]: unknown named location "hq" (known: All, AllTrusted)'],
    [{ ...mfaPolicy, conditions: { ...mfaPolicy.conditions, identityProviders: { excludeIdentityProviders: ['google'] } } }, 'policies.yaml: conditionalAccess[0].conditions.identityProviders.excludeIdentityProviders[0]: unknown identity provider "google" (known: partner, email-otp, local)'],
    [{ ...mfaPolicy, conditions: { ...mfaPolicy.conditions, devices: {} } }, 'policies.yaml: conditionalAccess[0].conditions.devices: unknown key "devices" (check the spelling and the indentation)'],
  ])('refuses a bad policy with the file, the key path and the problem: %#', (bad, problem) => {
    expect(load({ conditionalAccess: [bad] }).problems).toEqual([problem]);
  });

  it('refuses two policies with the same id, bad IP ranges and reserved names', () => {
    expect(load({ conditionalAccess: [mfaPolicy, mfaPolicy] }).problems).toEqual(['policies.yaml: conditionalAccess[1].id: duplicate policy id "guests-mfa" (conditionalAccess[0] has it; set id to tell them apart)']);
    expect(load({ namedLocations: [{ id: 'office', displayName: 'Office', ipRanges: ['203.0.113.0/33'] }] }).problems).toEqual([
      'policies.yaml: namedLocations[0].ipRanges[0]: must be an IPv4 or IPv6 range in CIDR notation, like 203.0.113.0/24 or 2001:db8::/32',
    ]);
    expect(load({ namedLocations: [{ id: 'AllTrusted', displayName: 'x', ipRanges: ['10.0.0.0/8'] }] }).problems).toEqual(['policies.yaml: namedLocations[0].id: "All" and "AllTrusted" are reserved location keywords']);
    expect(load({ termsOfUse: [{ id: 't', displayName: 'T', version: '1' }] }).problems).toEqual(['policies.yaml: termsOfUse[0].text: give the terms as url or text (or both)']);
    expect(load({ termsOfUse: [{ id: 't', displayName: 'T', version: '1', url: 'javascript:alert(1)' }] }).problems).toEqual(['policies.yaml: termsOfUse[0].url: must be an http:// or https:// URL']);
    const localIdp = { ...foyer, identityProviders: [{ ...foyer.identityProviders[0], id: 'local' }] };
    expect(load({}, {}, localIdp).problems).toEqual(['foyer.yaml: identityProviders[0].id: "local" is reserved: policies use it for members\' password sign-in']);
  });

  it('checks the MFA key: its format, and that PostgreSQL with an enforced MFA policy has one', () => {
    expect(load({ mfa: { encryptionKey: 'too-short' } }).problems).toEqual([
      'policies.yaml: mfa.encryptionKey: must be 32 random bytes as base64 (44 characters) or hex (64 characters); generate one with: openssl rand -base64 32',
    ]);
    expect(load({ mfa: { encryptionKey: '${FOYER_MFA_KEY:-}' } }).config!.mfa.encryptionKey).toBeUndefined();
    const pg = { DATABASE_URL: 'postgres://foyer@127.0.0.1/foyer' };
    expect(load({ conditionalAccess: [mfaPolicy] }, pg).problems).toEqual([
      'policies.yaml: conditionalAccess[0].grantControls.builtInControls: requires MFA, which with PostgreSQL needs mfa.encryptionKey (every node must seal TOTP secrets with the same key): set it to ${FOYER_MFA_KEY}, from openssl rand -base64 32',
    ]);
    expect(load({ conditionalAccess: [mfaPolicy], mfa: { encryptionKey: '${FOYER_MFA_KEY}' } }, { ...pg, FOYER_MFA_KEY: Buffer.alloc(32, 7).toString('base64') }).problems).toEqual([]);
    expect(load({ conditionalAccess: [{ ...mfaPolicy, state: 'enabledForReportingButNotEnforced' }] }, pg).problems).toEqual([]);
  });
});
