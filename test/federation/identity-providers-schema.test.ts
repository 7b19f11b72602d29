import { describe, expect, it } from 'vitest';
import { emailPasscodeSchema, identityProvidersSchema } from '../../src/config/identity-providers-schema.js';
import { googleSettings, microsoftSettings, oidcSettings } from '../../src/federation/presets.js';
import { amrForAuthnContext, amrFromSaml } from '../../src/federation/saml-authn-context.js';
import { linkableEmail } from '../../src/federation/email-authority.js';
import type { UpstreamIdentity } from '../../src/federation/upstream-identity.js';
import { createKeyPair } from '../support/certs.js';

const issuesOf = (input: unknown) => {
  const result = identityProvidersSchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('identity provider config', () => {
  it('needs only a client id and secret for the presets, and fills in the rest', () => {
    const [google, microsoft, github] = identityProvidersSchema.parse([
      { type: 'google', clientId: 'g-id', clientSecret: 'g-secret' },
      { type: 'microsoft', clientId: 'm-id', clientSecret: 'm-secret' },
      { type: 'github', clientId: 'gh-id', clientSecret: 'gh-secret' },
    ]);
    expect(google).toMatchObject({ id: 'google', displayName: 'Google', domains: ['gmail.com', 'googlemail.com'], trustedForDomains: false, trustMfa: false });
    expect(microsoft).toMatchObject({ id: 'microsoft', tenant: 'common', allowedTenants: [] });
    expect(github).toMatchObject({ id: 'github', displayName: 'GitHub', domains: [] });
  });

  it('expands the presets into fixed OIDC settings', () => {
    const [google, common, single] = identityProvidersSchema.parse([
      { type: 'google', clientId: 'g', clientSecret: 's' },
      { type: 'microsoft', clientId: 'm', clientSecret: 's', tenant: 'organizations' },
      { type: 'microsoft', id: 'fabrikam', clientId: 'm', clientSecret: 's', tenant: '72f988bf-86f1-41af-91ab-2d7cd011db47' },
    ]);
    const g = googleSettings(google as never);
    expect(g).toMatchObject({ issuer: 'https://accounts.google.com', category: 'social', scopes: ['openid', 'email', 'profile'] });
    const m = microsoftSettings(common as never);
    expect(m).toMatchObject({ issuer: 'https://login.microsoftonline.com/organizations/v2.0', category: 'social' });
    expect(m.hintParams({ loginHint: 'a@fabrikam.com', domainHint: 'fabrikam.com' })).toEqual({ login_hint: 'a@fabrikam.com', domain_hint: 'fabrikam.com' });
    expect(microsoftSettings(single as never)).toMatchObject({ issuer: 'https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0', category: 'federated' });
    // Entra's email is only verified when the domain owner vouches for it (xms_edov).
    expect(m.emailVerified({ email: 'a@fabrikam.com' })).toBe(false);
    expect(m.emailVerified({ email: 'a@fabrikam.com', xms_edov: true })).toBe(true);
    expect(g.emailVerified({ email_verified: true })).toBe(true);
  });

  it('validates the generic OIDC entry: https issuer, client auth needs its credential, openid scope', () => {
    expect(issuesOf([{ type: 'oidc', id: 'x1', displayName: 'X', issuer: 'http://idp.example', clientId: 'c', clientSecret: 's' }])).toEqual([
      '0.issuer: must be https:// (http:// only on localhost)',
    ]);
    expect(issuesOf([{ type: 'oidc', id: 'x1', displayName: 'X', issuer: 'https://idp.example', clientId: 'c', clientAuth: 'private_key_jwt' }])).toEqual([
      '0.privateKeyJwk: private_key_jwt needs privateKeyJwk',
    ]);
    expect(issuesOf([{ type: 'oidc', id: 'x1', displayName: 'X', issuer: 'https://idp.example', clientId: 'c', scopes: ['email'] }])).toEqual([
      '0.clientSecret: client_secret_basic needs clientSecret',
      '0.scopes: must include "openid"',
    ]);
    expect(issuesOf([{ type: 'oidc', id: 'x1', displayName: 'X', issuer: 'https://idp.example', clientId: 'c', clientAuth: 'private_key_jwt', privateKeyJwk: '{not json' }])).toEqual([
      '0.privateKeyJwk: must be a private JSON Web Key (JSON text or a YAML object)',
    ]);
    const [parsed] = identityProvidersSchema.parse([{ type: 'oidc', id: 'x1', displayName: 'X', issuer: 'http://localhost:4000', clientId: 'c', clientSecret: 's', domains: [' Contoso.COM '] }]);
    expect(oidcSettings(parsed as never)).toMatchObject({ scopes: ['openid', 'email', 'profile'], clientAuth: 'client_secret_basic', domains: ['contoso.com'] });
  });

  it('rejects duplicate and reserved ids', () => {
    expect(issuesOf([
      { type: 'google', clientId: 'a', clientSecret: 'b' },
      { type: 'google', clientId: 'c', clientSecret: 'd' },
    ])).toEqual(['1.id: duplicate identity provider id "google" (identityProviders[0] already uses it)']);
    expect(issuesOf([{ type: 'github', id: 'email-otp', clientId: 'a', clientSecret: 'b' }])).toEqual(['0.id: "email-otp" is reserved for the email one-time passcode']);
  });

  it('checks SAML keys and certificates at start and defaults to a persistent NameID', async () => {
    const { privateKey, certificate } = await createKeyPair('foyer-sp');
    const base = { type: 'saml', id: 'contoso', displayName: 'Contoso', idpEntityId: 'urn:contoso', ssoUrl: 'https://sso.contoso.com/saml2' };
    expect(issuesOf([{ ...base, idpCertificates: ['garbage'], spPrivateKey: 'nope', spCertificate: certificate }])).toEqual([
      '0.idpCertificates.0: must be an X.509 certificate (PEM)',
      '0.spPrivateKey: must be a PEM private key (unencrypted)',
    ]);
    const [saml] = identityProvidersSchema.parse([{ ...base, idpCertificates: [certificate], spPrivateKey: privateKey, spCertificate: certificate }]);
    expect(saml).toMatchObject({ nameIdFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent', wantAssertionsSigned: true, wantResponseSigned: false });
    // Asking for a transient NameID would make every sign-in a stranger: refused at start, saying why.
    const transient = { ...base, idpCertificates: [certificate], spPrivateKey: privateKey, spCertificate: certificate, nameIdFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient' };
    expect(issuesOf([transient])).toEqual([expect.stringMatching(/^0\.nameIdFormat: a transient NameID changes at every sign-in, so a guest could never sign in again/)]);
  });

  it('gives the email passcode Entra-like defaults and bounds', () => {
    expect(emailPasscodeSchema.parse(undefined)).toEqual({ enabled: true, codeLength: 6, ttlSeconds: 600, maxAttempts: 5, perAddressPerHour: 5, perIpPerHour: 20, wrongCodesPerAddressPerDay: 20 });
    expect(emailPasscodeSchema.safeParse({ codeLength: 4 }).success).toBe(false);
    expect(emailPasscodeSchema.safeParse({ codeLength: 9 }).success).toBe(false);
  });
});

describe('upstream trust helpers', () => {
  it('maps SAML authentication contexts to amr', () => {
    expect(amrForAuthnContext('urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport')).toEqual(['pwd']);
    expect(amrForAuthnContext('urn:oasis:names:tc:SAML:2.0:ac:classes:MultiFactor')).toEqual(['mfa']);
    expect(amrForAuthnContext('urn:example:ac:mfa')).toEqual(['mfa']);
    expect(amrForAuthnContext('urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorContract')).toEqual(['mfa']);
    expect(amrForAuthnContext('urn:example:ac:comfaux')).toEqual([]);
    expect(amrFromSaml('urn:oasis:names:tc:SAML:2.0:ac:classes:Password', ['http://schemas.microsoft.com/claims/multipleauthn'])).toEqual(['pwd', 'mfa']);
  });

  it('links by email only for a verified email of a domain the IdP is trusted for', () => {
    const identity: UpstreamIdentity = { idpId: 'x', issuer: 'https://x', subject: '1', email: 'Ann@Contoso.com', emailVerified: true, amr: [] };
    const trusted = { trustedForDomains: true, domains: ['contoso.com'] };
    expect(linkableEmail(trusted, identity)).toBe('ann@contoso.com');
    expect(linkableEmail({ ...trusted, trustedForDomains: false }, identity)).toBeUndefined();
    expect(linkableEmail(trusted, { ...identity, emailVerified: false })).toBeUndefined();
    expect(linkableEmail(trusted, { ...identity, email: 'ann@contoso.com.evil.example' })).toBeUndefined();
  });
});
