import { describe, expect, it } from 'vitest';
import { discoverHomeRealm, PASSCODE_IDP, type DiscoveryInput } from '../../src/interaction/home-realm-discovery.js';

const idps: DiscoveryInput['idps'] = [
  { id: 'fabrikam', type: 'oidc', displayName: 'Fabrikam', domains: ['fabrikam.example'] },
  { id: 'fabrikam-saml', type: 'saml', displayName: 'Fabrikam SAML', domains: ['legacy.fabrikam.example'] },
  { id: 'google', type: 'google', displayName: 'Google', domains: [] },
  { id: 'github', type: 'github', displayName: 'GitHub', domains: [] },
];

const base: DiscoveryInput = { linkedIdpIds: [], memberDomains: ['contoso.example'], idps, passcodeEnabled: true };
const discover = (over: Partial<DiscoveryInput>) => discoverHomeRealm({ ...base, ...over });

describe('home-realm discovery', () => {
  it('asks for the email when there is neither an email nor a hint', () => {
    expect(discover({})).toEqual({ kind: 'askEmail' });
  });

  it('sends members (by domain, or by having a password) to the password form', () => {
    expect(discover({ email: 'ann@contoso.example' })).toEqual({ kind: 'password' });
    expect(discover({ email: 'ann@other.example', user: { hasPassword: true } })).toEqual({ kind: 'password' });
  });

  it('with a members’ IdP, sends every member-domain address there (known or not, with a password or not), break-glass admins to the password form', () => {
    const memberIdp = { idpId: 'contoso-entra', isBreakGlass: (email: string) => email === 'root@contoso.example' };
    for (const user of [undefined, { hasPassword: true }, { hasPassword: false }]) {
      expect(discover({ email: 'ann@contoso.example', user, memberIdp })).toEqual({ kind: 'idp', idpId: 'contoso-entra' });
    }
    expect(discover({ email: 'root@contoso.example', user: { hasPassword: true }, memberIdp })).toEqual({ kind: 'password' });
    expect(discover({ email: 'bo@fabrikam.example', memberIdp })).toEqual({ kind: 'idp', idpId: 'fabrikam' });
  });

  it('prefers the IdPs the user already signed in with, and says so when they were removed', () => {
    expect(discover({ email: 'bo@gmail.com', user: { hasPassword: false }, linkedIdpIds: ['github'] })).toEqual({ kind: 'idp', idpId: 'github' });
    expect(discover({ email: 'bo@x.example', user: { hasPassword: false }, linkedIdpIds: ['gone'] })).toEqual({ kind: 'unavailable', reason: 'idpRemoved' });
    expect(discover({ email: 'bo@x.example', user: { hasPassword: false }, linkedIdpIds: [PASSCODE_IDP], passcodeEnabled: false })).toEqual({ kind: 'unavailable', reason: 'idpRemoved' });
    const two = discover({ email: 'bo@x.example', user: { hasPassword: false }, linkedIdpIds: ['github', PASSCODE_IDP] });
    expect(two.kind).toBe('choose');
  });

  it('sends a domain owned by a federated IdP straight there, even with social IdPs configured', () => {
    expect(discover({ email: 'eve@fabrikam.example' })).toEqual({ kind: 'idp', idpId: 'fabrikam' });
    expect(discover({ email: 'eve@legacy.fabrikam.example' })).toEqual({ kind: 'idp', idpId: 'fabrikam-saml' });
  });

  it('maps consumer domains to their social IdP (gmail.com → Google)', () => {
    expect(discover({ email: 'pat@gmail.com' })).toEqual({ kind: 'idp', idpId: 'google' });
    expect(discover({ email: 'pat@outlook.com' }).kind).toBe('choose'); // no Microsoft IdP configured
  });

  it('offers a chooser of open IdPs plus the email passcode for an unknown domain', () => {
    expect(discover({ email: 'zed@unknown.example' })).toEqual({
      kind: 'choose',
      options: [
        { id: 'google', displayName: 'Google' },
        { id: 'github', displayName: 'GitHub' },
        { id: PASSCODE_IDP, displayName: 'Email me a one-time passcode' },
      ],
    });
  });

  it('falls back to the email passcode alone when no IdP is open to any domain, and to nothing when it is off', () => {
    const federatedOnly = idps.filter((i) => i.domains.length > 0);
    expect(discover({ email: 'zed@unknown.example', idps: federatedOnly })).toEqual({ kind: 'idp', idpId: PASSCODE_IDP });
    expect(discover({ email: 'zed@unknown.example', idps: federatedOnly, passcodeEnabled: false })).toEqual({ kind: 'unavailable', reason: 'noMethod' });
  });

  it('honours domain_hint by domain or IdP id, before any email', () => {
    expect(discover({ domainHint: 'fabrikam.example' })).toEqual({ kind: 'idp', idpId: 'fabrikam' });
    expect(discover({ domainHint: 'GitHub' })).toEqual({ kind: 'idp', idpId: 'github' });
    expect(discover({ domainHint: 'nobody.example' })).toEqual({ kind: 'askEmail' });
  });
});

describe('home-realm discovery for a partner’s address (partners[].identityProviders)', () => {
  it('offers only the partner’s IdPs, in its redemption order', () => {
    expect(discover({ email: 'eve@fabrikam.example', partnerIdps: ['fabrikam-saml'] })).toEqual({ kind: 'idp', idpId: 'fabrikam-saml' });
    expect(discover({ email: 'eve@fabrikam.example', partnerIdps: ['fabrikam-saml', 'fabrikam', PASSCODE_IDP] })).toEqual({
      kind: 'choose',
      options: [
        { id: 'fabrikam-saml', displayName: 'Fabrikam SAML' },
        { id: 'fabrikam', displayName: 'Fabrikam' },
        { id: PASSCODE_IDP, displayName: 'Email me a one-time passcode' },
      ],
    });
  });

  it('prefers the partner’s IdPs the account already uses, and never one the partner does not list', () => {
    expect(discover({ email: 'eve@fabrikam.example', user: { hasPassword: false }, linkedIdpIds: ['fabrikam', 'google'], partnerIdps: ['fabrikam-saml', 'fabrikam'] })).toEqual({ kind: 'idp', idpId: 'fabrikam' });
    expect(discover({ email: 'eve@fabrikam.example', user: { hasPassword: false }, linkedIdpIds: ['google'], partnerIdps: ['fabrikam'] })).toEqual({ kind: 'idp', idpId: 'fabrikam' });
  });

  it('offers nothing it cannot: an emailed code when codes are off, an IdP that is not configured', () => {
    expect(discover({ email: 'eve@fabrikam.example', partnerIdps: [PASSCODE_IDP], passcodeEnabled: false })).toEqual({ kind: 'unavailable', reason: 'noMethod' });
    expect(discover({ email: 'eve@fabrikam.example', partnerIdps: ['gone', 'fabrikam'] })).toEqual({ kind: 'idp', idpId: 'fabrikam' });
  });

  it('members stay members', () => {
    expect(discover({ email: 'ann@contoso.example', partnerIdps: ['fabrikam'] })).toEqual({ kind: 'password' });
  });
});
