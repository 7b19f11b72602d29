import { describe, expect, it } from 'vitest';
import { linkableEmail, provenEmail } from '../../src/federation/email-authority.js';
import { googleSettings, microsoftSettings, oidcSettings } from '../../src/federation/presets.js';
import { identityProvidersSchema } from '../../src/config/identity-providers-schema.js';
import type { UpstreamIdentity } from '../../src/federation/upstream-identity.js';

const base: UpstreamIdentity = { idpId: 'x', issuer: 'https://x', subject: '1', email: 'Victim@B.example', emailVerified: true, amr: [] };

/** What each preset's connector would put in the identity for these claims (oidc-connector.ts does the same). */
function identityFrom(settings: ReturnType<typeof oidcSettings>, claims: Record<string, unknown>): UpstreamIdentity {
  const verified = settings.emailVerified(claims);
  return { ...base, emailVerified: verified, ...(verified && settings.emailVerifiedGlobally(claims) ? { emailVerifiedGlobally: true } : {}) };
}

describe('what an upstream email proves (one rule for every connector)', () => {
  const [google, microsoft, partner] = identityProvidersSchema.parse([
    { type: 'google', clientId: 'g', clientSecret: 'g-secret-value' },
    { type: 'microsoft', clientId: 'm', clientSecret: 'm-secret-value' },
    { type: 'oidc', id: 'idp-a', displayName: 'A', issuer: 'https://a.example', clientId: 'c', clientSecret: 'c-secret-value', domains: ['a.example'] },
  ]) as [never, never, never];

  it("a partner's own IdP proves only addresses of its own domains", () => {
    const settings = oidcSettings(partner);
    const claims = { email_verified: true };
    expect(provenEmail(settings, identityFrom(settings, claims))).toBeUndefined();
    expect(provenEmail(settings, { ...identityFrom(settings, claims), email: 'ann@a.example' })).toBe('ann@a.example');
    expect(provenEmail(settings, { ...identityFrom(settings, claims), email: 'ann@a.example.evil.example' })).toBeUndefined();
  });

  it("Google's verification holds for any address; Microsoft's only with xms_edov", () => {
    const g = googleSettings(google);
    expect(provenEmail(g, identityFrom(g, { email_verified: true }))).toBe('victim@b.example');
    expect(provenEmail(g, identityFrom(g, { email_verified: false }))).toBeUndefined();
    const m = microsoftSettings(microsoft);
    expect(provenEmail(m, identityFrom(m, { email_verified: true }))).toBeUndefined();
    expect(provenEmail(m, identityFrom(m, { xms_edov: true }))).toBe('victim@b.example');
  });

  it('an unverified email proves nothing, even from a globally verifying IdP or for its own domain', () => {
    expect(provenEmail({ domains: ['b.example'] }, { ...base, emailVerified: false, emailVerifiedGlobally: true })).toBeUndefined();
    expect(provenEmail({ domains: ['b.example'] }, { ...base, email: undefined })).toBeUndefined();
  });

  it('links existing users only through a trusted IdP within its own domains, never by global verification alone', () => {
    const trusted = { trustedForDomains: true, domains: ['a.example'] };
    expect(linkableEmail(trusted, { ...base, emailVerifiedGlobally: true })).toBeUndefined();
    expect(linkableEmail(trusted, { ...base, email: 'ann@a.example' })).toBe('ann@a.example');
    expect(linkableEmail({ ...trusted, trustedForDomains: false }, { ...base, email: 'ann@a.example' })).toBeUndefined();
  });
});

describe('malformed addresses', () => {
  it('proves nothing for a value that is not an address, even one equal to an owned domain', () => {
    expect(provenEmail({ domains: ['b.example'] }, { ...base, email: 'b.example' })).toBeUndefined();
    expect(provenEmail({ domains: ['b.example'] }, { ...base, email: 'a@b@b.example' })).toBeUndefined();
  });
});
