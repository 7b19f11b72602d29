/**
 * The authentication strength model without a server: which methods meet which strength (built-in
 * and custom), the grant control in evaluate(), what the MFA step offers a user, how a home IdP's
 * assertion becomes methods (with its maximum age), and the config errors an admin gets.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { evaluate, type SignInContext } from '../../src/access/evaluate.js';
import { ConfigError, loadConfig } from '../../src/config/load-config.js';
import type { ConditionalAccessPolicy } from '../../src/config/policies-schema.js';
import { MfaTrust } from '../../src/partners/mfa-trust.js';
import { PartnerDirectory } from '../../src/partners/partner-directory.js';
import { planSecondFactor } from '../../src/strengths/second-factor-plan.js';
import { StrengthCatalog, strongestAcr } from '../../src/strengths/strength-catalog.js';
import { DEFAULT_UPSTREAM_METHOD_RULES, upstreamMethods } from '../../src/strengths/upstream-methods.js';

const catalog = new StrengthCatalog([{ id: 'partnerPasskey', displayName: 'Passkey at the home organisation', allowedCombinations: [['federated', 'upstreamPasskey']] }]);

describe('which methods meet which strength', () => {
  it('phishing-resistant MFA: a passkey (alone or after any first factor) or a trusted upstream passkey; never TOTP, a recovery code or upstream MFA', () => {
    expect(catalog.metBy('phishingResistantMfa', ['password', 'passkey'])).toBe('passkey');
    expect(catalog.metBy('phishingResistantMfa', ['federated', 'upstreamMfa', 'upstreamPasskey'])).toBe('federated,upstreamPasskey');
    for (const methods of [['password', 'totp'], ['password', 'recoveryCode'], ['federated', 'upstreamMfa'], ['emailOtp', 'totp'], ['upstreamPasskey']] as const) {
      expect(catalog.metBy('phishingResistantMfa', methods), methods.join(',')).toBeUndefined();
    }
  });

  it('mfa: any second factor after a first one, but not a first factor alone', () => {
    expect(catalog.metBy('mfa', ['password', 'totp'])).toBe('password,totp');
    expect(catalog.metBy('mfa', ['federated', 'upstreamMfa'])).toBe('federated,upstreamMfa');
    expect(catalog.metBy('mfa', ['emailOtp', 'recoveryCode'])).toBe('emailOtp,recoveryCode');
    expect(catalog.metBy('mfa', ['password'])).toBeUndefined();
    expect(catalog.metBy('mfa', ['federated'])).toBeUndefined();
  });

  it('the acr names the strongest built-in met; mfa keeps urn:foyer:acr:mfa; acr_values URIs name strengths', () => {
    expect(strongestAcr(['password', 'passkey'])).toBe('urn:foyer:strength:phishingResistantMfa');
    expect(strongestAcr(['password', 'totp'])).toBe('urn:foyer:acr:mfa');
    expect(strongestAcr(['federated'])).toBeUndefined();
    expect(catalog.fromAcr('urn:foyer:strength:partnerPasskey')).toBe('partnerPasskey');
    expect(catalog.fromAcr('urn:foyer:acr:mfa')).toBe('mfa');
    expect(catalog.fromAcr('urn:foyer:strength:nope')).toBeUndefined();
    expect(catalog.acrValues()).toEqual(expect.arrayContaining(['urn:foyer:acr:mfa', 'urn:foyer:strength:phishingResistantMfa', 'urn:foyer:strength:partnerPasskey']));
  });
});

describe('the authenticationStrength grant control in evaluate()', () => {
  const policy = {
    id: 'payroll-phr',
    displayName: 'Payroll needs phishing-resistant MFA',
    state: 'enabled',
    conditions: { users: { includeUsers: ['All'], excludeUsers: [], includeGroups: [], excludeGroups: [] }, applications: { includeApplications: ['payroll'], excludeApplications: [] } },
    grantControls: { operator: 'OR', builtInControls: [], termsOfUse: [], authenticationStrength: 'phishingResistantMfa' },
  } as ConditionalAccessPolicy;
  const guest = (satisfied: SignInContext['satisfied']): SignInContext => ({ user: { id: 'u1', mail: 'g@partner.example', userType: 'Guest', groupIds: [] }, appId: 'payroll', satisfied });

  it('asks for the strength while it is unmet, even after MFA, and says which methods met it once it is', () => {
    const afterTotp = evaluate([policy], guest({ mfa: true, methods: ['federated', 'totp'], strengths: {} }));
    expect(afterTotp).toMatchObject({ result: 'challenge', required: { mfa: false, authenticationStrengths: ['phishingResistantMfa'], termsOfUse: [] } });
    expect(afterTotp.trace[0]).toMatchObject({ enforcedGrantControls: ['authenticationStrength:phishingResistantMfa'], unmet: ['authenticationStrength:phishingResistantMfa'], authenticationStrength: { authenticationStrengthId: 'phishingResistantMfa', authenticationStrengthResult: 'singleChallengeRequired' } });

    const met = evaluate([policy], guest({ mfa: true, methods: ['federated', 'upstreamMfa', 'upstreamPasskey'], strengths: { phishingResistantMfa: 'federated,upstreamPasskey' } }));
    expect(met).toMatchObject({ result: 'allow', conditionalAccessStatus: 'success' });
    expect(met.trace[0]).toMatchObject({ result: 'success', satisfiedBy: 'federated,upstreamPasskey', authenticationStrength: { authenticationStrengthResult: 'satisfied', satisfiedBy: 'federated,upstreamPasskey' } });
  });
});

describe('what the MFA step offers', () => {
  const phr = ['phishingResistantMfa'];
  it('a TOTP-only user proves TOTP, then registers a passkey; a user with a passkey uses only it; a new user registers one', () => {
    expect(planSecondFactor(catalog, phr, ['password'], { totp: true, passkeys: 0, passkeysAvailable: true })).toEqual({ kind: 'proveThenRegister', prove: ['totp', 'recoveryCode'] });
    expect(planSecondFactor(catalog, phr, ['password'], { totp: true, passkeys: 1, passkeysAvailable: true })).toEqual({ kind: 'verify', offer: ['passkey'] });
    expect(planSecondFactor(catalog, phr, ['password'], { totp: false, passkeys: 0, passkeysAvailable: true })).toEqual({ kind: 'enrol', offer: ['passkey'] });
    expect(planSecondFactor(catalog, [], ['password'], { totp: true, passkeys: 0, passkeysAvailable: true })).toEqual({ kind: 'any' });
  });

  it('nothing the step can add meets it: without passkeys, or a strength only the home IdP can meet', () => {
    expect(planSecondFactor(catalog, phr, ['password'], { totp: true, passkeys: 0, passkeysAvailable: false })).toEqual({ kind: 'unavailable' });
    expect(planSecondFactor(catalog, ['partnerPasskey'], ['federated'], { totp: false, passkeys: 0, passkeysAvailable: true })).toEqual({ kind: 'unavailable' });
  });
});

describe('what a home IdP asserted, as methods', () => {
  const now = Date.UTC(2026, 11, 7, 12);
  const at = (minutesAgo: number) => Math.floor(now / 1000) - minutesAgo * 60;
  it('amr hwk+mfa within the maximum age is an upstream passkey (and MFA); older, or without a time, it is nothing', () => {
    expect(upstreamMethods({ idpId: 'fabrikam', amr: ['hwk', 'mfa'], authTime: at(5) }, DEFAULT_UPSTREAM_METHOD_RULES, 600, now)).toMatchObject({ methods: ['upstreamMfa', 'upstreamPasskey'] });
    const old = upstreamMethods({ idpId: 'fabrikam', amr: ['hwk', 'mfa'], authTime: at(30) }, DEFAULT_UPSTREAM_METHOD_RULES, 600, now);
    expect(old.methods).toEqual([]);
    expect(old.why[0]).toContain('30 minutes ago (at most 10 minutes old)');
    expect(upstreamMethods({ idpId: 'fabrikam', amr: ['hwk', 'mfa'] }, DEFAULT_UPSTREAM_METHOD_RULES, 600, now).methods).toEqual([]);
    expect(upstreamMethods({ idpId: 'fabrikam', amr: ['pwd', 'mfa'], authTime: at(1) }, DEFAULT_UPSTREAM_METHOD_RULES, 600, now).methods).toEqual([]);
  });

  it('without any maximum age set, an upstream passkey still needs a time, at most an hour old', () => {
    expect(upstreamMethods({ idpId: 'fabrikam', amr: ['hwk', 'mfa'], authTime: at(50) }, DEFAULT_UPSTREAM_METHOD_RULES, undefined, now).methods).toEqual(['upstreamMfa', 'upstreamPasskey']);
    expect(upstreamMethods({ idpId: 'fabrikam', amr: ['hwk', 'mfa'], authTime: at(70) }, DEFAULT_UPSTREAM_METHOD_RULES, undefined, now).methods).toEqual([]);
    expect(upstreamMethods({ idpId: 'fabrikam', amr: ['hwk', 'mfa'] }, DEFAULT_UPSTREAM_METHOD_RULES, undefined, now).methods).toEqual([]);
    // An upstream MFA rule keeps its meaning: without a maximum age, no time is needed.
    expect(upstreamMethods({ idpId: 'fabrikam', amr: ['mfa'] }, [{ method: 'upstreamMfa', amr: ['mfa'] }], undefined, now).methods).toEqual(['upstreamMfa']);
  });

  it('a SAML AuthnContextClassRef counts through an acr rule, with the rule’s own maximum age', () => {
    const rules = [{ method: 'upstreamPasskey' as const, acr: ['urn:fabrikam:ac:phr'], maxAgeMinutes: 2 }];
    expect(upstreamMethods({ idpId: 'saml', amr: [], acr: 'urn:fabrikam:ac:phr', authTime: at(1) }, rules, undefined, now).methods).toEqual(['upstreamMfa', 'upstreamPasskey']);
    expect(upstreamMethods({ idpId: 'saml', amr: [], acr: 'urn:fabrikam:ac:phr', authTime: at(5) }, rules, undefined, now).methods).toEqual([]);
  });
});

describe('config', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const base = {
    tenant: { displayName: 'Contoso' },
    storage: { databaseUrl: 'sqlite::memory:' },
    apps: [{ id: 'payroll', displayName: 'Payroll', clientSecret: 'x'.repeat(32), redirectUris: ['https://payroll.example/cb'] }],
    identityProviders: [{ id: 'fabrikam', type: 'oidc', displayName: 'Fabrikam', issuer: 'https://idp.fabrikam.example', clientId: 'c', clientSecret: 's' }],
  };
  const policy = (strength: unknown) => ({ displayName: 'Payroll strength', state: 'enabled', conditions: { users: { includeUsers: ['All'] }, applications: { includeApplications: ['payroll'] } }, grantControls: { authenticationStrength: strength } });
  function load(extra: Record<string, unknown>) {
    const dir = mkdtempSync(join(tmpdir(), 'foyer-strengths-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'foyer.yaml'), stringify({ ...base, ...extra }));
    try {
      return { config: loadConfig(dir, {}), problems: [] as string[] };
    } catch (err) {
      if (err instanceof ConfigError) return { config: undefined, problems: err.problems.map((p) => p.replace(/^.*?foyer\.yaml: /, '')) };
      throw err;
    }
  }

  it('loads custom strengths and policies naming them (Graph’s {id} form too), and upstream method rules', () => {
    const { config, problems } = load({
      authenticationStrengths: [{ id: 'partnerPasskey', displayName: 'Partner passkey', allowedCombinations: ['federated,upstreamPasskey', ['passkey']] }],
      conditionalAccess: [policy('partnerPasskey'), { ...policy({ id: 'phishingResistantMfa' }), displayName: 'Second' }],
      partners: [{ id: 'fabrikam', displayName: 'Fabrikam', domains: ['fabrikam.example'], identityProviders: ['fabrikam'], inboundTrust: { isMfaAccepted: true, mfaMaxAgeMinutes: 10, authenticationMethods: [{ method: 'upstreamPasskey', amr: ['hwk'] }] } }],
    });
    expect(problems).toEqual([]);
    expect(config!.authenticationStrengths[0]!.allowedCombinations).toEqual([['federated', 'upstreamPasskey'], ['passkey']]);
    expect(config!.conditionalAccess.map((p) => p.grantControls?.authenticationStrength)).toEqual(['partnerPasskey', 'phishingResistantMfa']);
  });

  it('an IdP of no partner maps its own assertions (trustMfa + authenticationMethods), SAML class refs through acr', () => {
    const { config, problems } = load({ identityProviders: [{ ...base.identityProviders[0], trustMfa: true, authenticationMethods: [{ method: 'upstreamPasskey', acr: ['urn:oasis:names:tc:SAML:2.0:ac:classes:X509'], maxAgeMinutes: 5 }] }] });
    expect(problems).toEqual([]);
    const trust = new MfaTrust(new PartnerDirectory(config!), config!.identityProviders);
    const now = Date.now();
    const asserted = (minutesAgo: number) => ({ idpId: 'fabrikam', amr: ['sc'], acr: 'urn:oasis:names:tc:SAML:2.0:ac:classes:X509', authTime: Math.floor(now / 1000) - minutesAgo * 60 });
    expect(trust.methods(asserted(1), now).methods).toEqual(['upstreamMfa', 'upstreamPasskey']);
    expect(trust.methods(asserted(20), now).methods).toEqual([]);
    // The default rule (hwk+mfa) does not apply where the IdP has rules of its own.
    expect(trust.methods({ idpId: 'fabrikam', amr: ['hwk', 'mfa'], authTime: Math.floor(now / 1000) }, now).methods).toEqual(['upstreamMfa']);
  });

  it.each([
    [{ authenticationStrengths: [{ id: 'x', displayName: 'X', allowedCombinations: ['password,fido2'] }] }, 'authenticationStrengths[0].allowedCombinations[0]: "fido2" is not an authentication method Foyer knows'],
    [{ authenticationStrengths: [{ id: 'mfa', displayName: 'X', allowedCombinations: ['passkey'] }] }, 'authenticationStrengths[0].id: is the id of a built-in strength'],
    [{ authenticationStrengths: [{ id: 'x', displayName: 'X', allowedCombinations: [] }] }, 'authenticationStrengths[0].allowedCombinations: list at least one allowed combination'],
    [{ conditionalAccess: [policy('strongest')] }, 'conditionalAccess[0].grantControls.authenticationStrength: unknown authentication strength "strongest"'],
    [{ conditionalAccess: [{ ...policy('mfa'), grantControls: { builtInControls: ['mfa'], authenticationStrength: 'mfa' } }] }, 'conditionalAccess[0].grantControls.authenticationStrength: mfa and authenticationStrength cannot be combined'],
    [{ identityProviders: [{ ...base.identityProviders[0], authenticationMethods: [{ method: 'upstreamPasskey', amr: ['hwk'] }] }] }, 'identityProviders[0].authenticationMethods: has no effect while trustMfa is false'],
    [{ partners: [{ id: 'fabrikam', displayName: 'F', domains: ['fabrikam.example'], inboundTrust: { isMfaAccepted: true, authenticationMethods: [{ method: 'upstreamPasskey' }] } }] }, 'partners[0].inboundTrust.authenticationMethods[0].amr: say what the home IdP asserts for it'],
  ])('refuses a bad strength setting with the key path and the problem: %#', (extra, problem) => {
    const { problems } = load(extra);
    expect(problems.some((p) => p.startsWith(problem)), problems.join('\n')).toBe(true);
  });
});
