/**
 * The admission decision as a table: who is held to which organisation's settings, and what each
 * verdict is, read as an attacker would (another IdP, another address, an unproven address).
 */
import { describe, expect, it } from 'vitest';
import { partnerDefaultsSchema, partnersSchema } from '../../src/config/partners-schema.js';
import type { IdentityProviderConfig } from '../../src/config/identity-providers-schema.js';
import { admit, type AdmissionSubject } from '../../src/partners/admission.js';
import { MfaTrust } from '../../src/partners/mfa-trust.js';
import { PartnerDirectory } from '../../src/partners/partner-directory.js';

const idp = (id: string, type = 'oidc', extra: Record<string, unknown> = {}) => ({ id, type, displayName: id, domains: [], trustMfa: false, mfaAcrValues: [], ...extra }) as unknown as IdentityProviderConfig;
const IDPS = [idp('fabrikam'), idp('northwind'), idp('google', 'google'), idp('wingtip', 'saml'), idp('lone', 'oidc', { trustMfa: true, mfaAcrValues: ['urn:lone:mfa'] })];

function directory(partners: unknown[], defaults: unknown = {}) {
  return new PartnerDirectory({ partners: partnersSchema.parse(partners), partnerDefaults: partnerDefaultsSchema.parse(defaults), identityProviders: IDPS });
}

const standard = directory([
  { id: 'fabrikam', displayName: 'Fabrikam', domains: ['fabrikam.example'], identityProviders: ['fabrikam'], b2bCollaborationInbound: { usersAndGroups: { accessType: 'blocked', targets: ['AllUsers'] } } },
  { id: 'northwind', displayName: 'Northwind', domains: ['northwind.example'], identityProviders: ['northwind', 'email-otp'], b2bCollaborationInbound: { applications: { accessType: 'allowed', targets: ['app-a'] } } },
  {
    id: 'wingtip',
    displayName: 'Wingtip',
    domains: ['wingtip.example'],
    identityProviders: ['wingtip'],
    b2bCollaborationInbound: { usersAndGroups: { accessType: 'allowed', targets: ['boss@wingtip.example', { target: 'contoso-project', targetType: 'group' }] } },
  },
]);

const decide = (subject: AdmissionSubject, dir = standard) => {
  const d = admit(dir, subject);
  return d.allowed ? 'allowed' : d.refusal!.code;
};

describe('who is held to which organisation', () => {
  it.each<[string, AdmissionSubject, string]>([
    ['a blocked partner’s address', { email: 'alice@fabrikam.example' }, 'partnerBlocked'],
    ['its address signing in with another IdP', { email: 'alice@fabrikam.example', idpId: 'google' }, 'partnerBlocked'],
    ['another address, through the blocked partner’s own IdP', { email: 'alice@elsewhere.example', idpId: 'fabrikam' }, 'partnerBlocked'],
    ['another address, an account linked to the blocked partner’s IdP', { email: 'alice@elsewhere.example', idpId: 'google', linkedIdpIds: ['fabrikam'] }, 'partnerBlocked'],
    ['an unproven address of the blocked partner, carried by the identity', { email: 'alice@elsewhere.example', otherEmails: ['x@fabrikam.example'], idpId: 'google' }, 'partnerBlocked'],
    ['nobody’s address with a shared IdP (partnerDefaults: all in)', { email: 'dana@elsewhere.example', idpId: 'google' }, 'allowed'],
    ['a limited partner at its app', { email: 'nina@northwind.example', idpId: 'northwind', appId: 'app-a' }, 'allowed'],
    ['a limited partner at another app', { email: 'nina@northwind.example', idpId: 'northwind', appId: 'app-b' }, 'partnerAppNotAllowed'],
    ['a limited partner at My Apps', { email: 'nina@northwind.example', appId: 'foyer-myapps' }, 'allowed'],
    ['a limited partner with a listed emailed code', { email: 'nina@northwind.example', idpId: 'email-otp' }, 'allowed'],
    ['a limited partner with an IdP it does not use', { email: 'nina@northwind.example', idpId: 'google' }, 'partnerIdentityProviderNotAllowed'],
    ['another partner’s IdP for its address (two sets of rules)', { email: 'nina@northwind.example', idpId: 'wingtip', assertions: {} }, 'partnerUserNotAllowed'],
  ])('%s: %s', (_name, subject, expected) => {
    expect(decide(subject)).toBe(expected);
  });

  it('names every organisation that applied and how the person came to be its', () => {
    const d = admit(standard, { email: 'alice@elsewhere.example', idpId: 'google', linkedIdpIds: ['fabrikam'], otherEmails: ['x@northwind.example'] });
    expect(d.applied.map((a) => [a.partner.id, a.matchedBy])).toEqual([
      ['fabrikam', ['linked identity provider fabrikam']],
      ['northwind', ['domain northwind.example (of the address the identity provider gave)']],
    ]);
  });
});

describe('who may come in: addresses and groups the partner’s IdP asserts', () => {
  it.each<[string, AdmissionSubject, string]>([
    ['a listed address', { email: 'boss@wingtip.example', idpId: 'wingtip', assertions: {} }, 'allowed'],
    ['a listed address only as an unproven one', { email: 'intern@wingtip.example', otherEmails: ['boss@wingtip.example'], idpId: 'wingtip', assertions: {} }, 'partnerUserNotAllowed'],
    ['a member of the group, as Wingtip’s IdP asserts', { email: 'eve@wingtip.example', idpId: 'wingtip', assertions: { wingtip: { groups: ['sales', 'contoso-project'] } } }, 'allowed'],
    ['the group asserted by another IdP (it does not count)', { email: 'eve@wingtip.example', idpId: 'google', assertions: { google: { groups: ['contoso-project'] } } }, 'partnerUserNotAllowed'],
    ['not in the group', { email: 'eve@wingtip.example', idpId: 'wingtip', assertions: { wingtip: { groups: ['sales'] } } }, 'partnerUserNotAllowed'],
    ['no claims known yet (an invitation): left to the sign-in', { email: 'eve@wingtip.example' }, 'allowed'],
  ])('%s', (_name, subject, expected) => {
    expect(decide(subject)).toBe(expected);
  });

  it('a blocked list refuses a listed address even when it is only carried, and a group member', () => {
    const dir = directory([
      {
        id: 'wingtip',
        displayName: 'Wingtip',
        domains: ['wingtip.example'],
        identityProviders: ['wingtip'],
        b2bCollaborationInbound: { usersAndGroups: { accessType: 'blocked', targets: ['ex@wingtip.example', { target: 'contractors', targetType: 'group', claim: 'roles' }] } },
      },
    ]);
    expect(decide({ email: 'eve@wingtip.example', idpId: 'wingtip', assertions: {} }, dir)).toBe('allowed');
    expect(decide({ email: 'eve@wingtip.example', otherEmails: ['ex@wingtip.example'], idpId: 'wingtip', assertions: {} }, dir)).toBe('partnerUserNotAllowed');
    expect(decide({ email: 'eve@wingtip.example', idpId: 'wingtip', assertions: { wingtip: { roles: ['contractors'] } } }, dir)).toBe('partnerUserNotAllowed');
    expect(decide({ email: 'eve@wingtip.example', idpId: 'wingtip', assertions: { wingtip: { groups: ['contractors'] } } }, dir)).toBe('allowed');
  });

  it('partnerDefaults hold everyone no partner claims; a partner inherits the sections it leaves out', () => {
    const dir = directory(
      [
        { id: 'fabrikam', displayName: 'Fabrikam', domains: ['fabrikam.example'], b2bCollaborationInbound: { usersAndGroups: { accessType: 'allowed', targets: ['AllUsers'] } } },
        { id: 'northwind', displayName: 'Northwind', domains: ['northwind.example'] },
      ],
      { b2bCollaborationInbound: { usersAndGroups: { accessType: 'blocked', targets: ['AllUsers'] } } },
    );
    expect(decide({ email: 'dana@elsewhere.example' }, dir)).toBe('partnerBlocked');
    expect(decide({ email: 'alice@fabrikam.example' }, dir)).toBe('allowed');
    expect(decide({ email: 'nina@northwind.example' }, dir)).toBe('partnerBlocked');
    expect(dir.byId('northwind')!.inherited).toEqual(['usersAndGroups', 'applications', 'inboundTrust', 'automaticUserConsentSettings']);
    // An unproven partner address does not lift partnerDefaults off someone else.
    expect(decide({ email: 'dana@elsewhere.example', otherEmails: ['dana@fabrikam.example'] }, dir)).toBe('partnerBlocked');
  });
});

describe('MFA trust', () => {
  const dir = directory(
    [
      { id: 'fabrikam', displayName: 'Fabrikam', domains: ['fabrikam.example'], identityProviders: ['fabrikam'], inboundTrust: { isMfaAccepted: true, mfaMaxAgeMinutes: 60, mfaAmrValues: ['mfa', 'hwk'], mfaAcrValues: ['urn:fab:mfa'] } },
      { id: 'northwind', displayName: 'Northwind', domains: ['northwind.example'], identityProviders: ['northwind'] },
    ],
    {},
  );
  const trust = new MfaTrust(dir, IDPS);
  const now = Date.parse('2026-06-01T12:00:00Z');
  const at = (minutesAgo: number) => Math.floor(now / 1000) - minutesAgo * 60;
  const id = (idpId: string, amr: string[], authTime?: number, acr?: string) => ({ idpId, issuer: 'x', subject: 's', emailVerified: true, amr, ...(acr ? { acr } : {}), ...(authTime !== undefined ? { authTime } : {}) });

  it.each<[string, ReturnType<typeof id>, boolean]>([
    ['fresh amr mfa at a trusting partner', id('fabrikam', ['pwd', 'mfa'], at(5)), true],
    ['a listed amr value (hwk)', id('fabrikam', ['hwk'], at(5)), true],
    ['a listed acr value', id('fabrikam', ['pwd'], at(5), 'urn:fab:mfa'), true],
    ['older than the maximum age', id('fabrikam', ['mfa'], at(61 + 1)), false],
    ['no time given, with a maximum age', id('fabrikam', ['mfa']), false],
    ['a time in the future', id('fabrikam', ['mfa'], at(-10)), false],
    ['no MFA said', id('fabrikam', ['pwd'], at(1)), false],
    ['a partner that inherits partnerDefaults (no trust)', id('northwind', ['mfa'], at(1)), false],
    ['an IdP of no partner with the trustMfa shorthand', id('lone', ['mfa']), true],
    ['the shorthand’s acr values', id('lone', [], undefined, 'urn:lone:mfa'), true],
    ['a shared IdP of no partner', id('google', ['mfa']), false],
  ])('%s', (_name, identity, trusted) => {
    expect(trust.check(identity, now).trusted).toBe(trusted);
  });
});
