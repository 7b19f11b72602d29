/**
 * `type: passport` IdPs: what the config accepts (any installed strategy, never a file path, never
 * Foyer's own callback or state options, never another IdP's issuer), the Facebook preset, and
 * what the profile mapping lets an email prove: nothing unless the admin declared the provider
 * verifies, and then only within the IdP's domains. The full journey against a loopback OAuth 2.0
 * provider is test/federation-e2e/passport-strategy-from-yaml.test.ts.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ConfigError, loadConfig } from '../../src/config/load-config.js';
import { createConnector } from '../../src/federation/create-connector.js';
import { provenEmail } from '../../src/federation/email-authority.js';
import { identityFromProfile } from '../../src/federation/passport-profile.js';
import { createLogger } from '../../src/logging/logger.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'foyer-passport-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const oauth2 = {
  type: 'passport',
  id: 'acme',
  displayName: 'Acme',
  package: 'passport-oauth2',
  issuer: 'https://login.acme.example',
  options: { authorizationURL: 'https://login.acme.example/authorize', tokenURL: 'https://login.acme.example/token', clientID: 'foyer', clientSecret: '${ACME_SECRET}' },
  domains: ['acme.example'],
};

function load(identityProviders: unknown[], env: NodeJS.ProcessEnv = { ACME_SECRET: 's3cret' }) {
  const file = join(dir, 'foyer.yaml');
  writeFileSync(file, stringify({ tenant: { displayName: 'Contoso', memberDomains: ['contoso.example'] }, identityProviders }));
  return loadConfig(file, env);
}

function problemsWith(identityProviders: unknown[]): string[] {
  try {
    load(identityProviders);
    return [];
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
}

describe('type: passport in config', () => {
  it('loads an installed strategy with a ${ENV} secret; the mapping defaults to Passport profile fields and unverified email', () => {
    const idp = load([oauth2]).identityProviders[0]!;
    expect(idp).toMatchObject({ type: 'passport', options: { clientSecret: 's3cret' }, profile: { subject: 'id', email: 'emails.0.value', name: 'displayName', emailVerified: false }, category: 'social' });
  });

  it('refuses a package that is not installed, and a file path instead of a package name', () => {
    expect(problemsWith([{ ...oauth2, package: 'passport-not-installed-anywhere' }])[0]).toMatch(/identityProviders\[0\]\.package: is not installed/);
    expect(problemsWith([{ ...oauth2, package: '../../tmp/evil.js' }])[0]).toMatch(/identityProviders\[0\]\.package: must be an npm package name/);
  });

  it('refuses options Foyer owns (the callback, the state store), naming the key', () => {
    const problems = problemsWith([{ ...oauth2, options: { ...oauth2.options, callbackURL: 'https://evil.example/cb', store: {} } }]);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/identityProviders\[0\]\.options\.callbackURL: is set by Foyer/);
  });

  it("refuses an issuer that is another IdP's or one of Foyer's own sign-ins", () => {
    expect(problemsWith([{ ...oauth2, issuer: 'https://github.com' }])[0]).toMatch(/identityProviders\[0\]\.issuer: .*a Passport IdP must name its users with its own issuer/);
    expect(problemsWith([oauth2, { ...oauth2, id: 'acme-two' }])[0]).toMatch(/identityProviders\[1\]\.issuer: "https:\/\/login\.acme\.example" is already the issuer of identityProviders\[0\]/);
    expect(problemsWith([{ type: 'facebook', clientId: 'f', clientSecret: 'f-secret' }, { ...oauth2, issuer: 'https://www.facebook.com' }]).join('\n')).toMatch(/identityProviders\[1\]\.issuer: .*a Passport IdP must name its users with its own issuer/);
  });

  it('builds the Facebook preset on passport-facebook: its authorize URL carries state, PKCE S256 and the email scope', async () => {
    const [facebook] = load([{ type: 'facebook', clientId: 'fb-app', clientSecret: 'fb-secret' }]).identityProviders;
    const connector = createConnector(facebook!, { issuer: 'https://foyer.contoso.example', logger: createLogger('silent') });
    expect(connector).toMatchObject({ id: 'facebook', category: 'social', domains: [] });
    const { redirectTo, pending } = await connector.start({ callbackUrl: 'https://foyer.contoso.example/federation/facebook/callback' });
    const url = new URL(redirectTo);
    expect(url.origin).toBe('https://www.facebook.com');
    expect(Object.fromEntries(url.searchParams)).toMatchObject({ client_id: 'fb-app', scope: 'email', code_challenge_method: 'S256', redirect_uri: 'https://foyer.contoso.example/federation/facebook/callback' });
    expect(pending).toMatchObject({ kind: 'passport', idpId: 'facebook', state: url.searchParams.get('state') });
  });

  it('refuses a callback whose state is not the pending one before the strategy runs', async () => {
    const [idp] = load([oauth2]).identityProviders;
    const connector = createConnector(idp!, { issuer: 'https://foyer.contoso.example', logger: createLogger('silent') });
    const callbackUrl = 'https://foyer.contoso.example/federation/acme/callback';
    const { pending } = await connector.start({ callbackUrl });
    await expect(connector.finish({ pending, callbackUrl, params: { code: 'x', state: 'someone-elses' } })).rejects.toMatchObject({ code: 'state_mismatch' });
  });
});

describe('what a Passport profile proves about an email', () => {
  const idp = { id: 'acme', displayName: 'Acme', issuer: 'https://login.acme.example' };
  const profile = { id: 42, email: 'dana@acme.example', email_verified: true, name: 'Dana' };
  const mapping = { subject: 'id', email: 'email', name: 'name' };

  it('nothing, unless the admin declared that the provider verifies (even when the profile says verified)', () => {
    const identity = identityFromProfile(profile, { ...mapping, emailVerified: false }, idp);
    expect(identity).toMatchObject({ issuer: 'https://login.acme.example', subject: '42', email: 'dana@acme.example', emailVerified: false, name: 'Dana' });
    expect(provenEmail({ domains: ['acme.example'] }, identity)).toBeUndefined();
  });

  it('a declared-verified address within the IdP domains only: the domain rule still applies', () => {
    const identity = identityFromProfile(profile, { ...mapping, emailVerified: 'email_verified' }, idp);
    expect(identity.emailVerifiedGlobally).toBeUndefined();
    expect(provenEmail({ domains: ['acme.example'] }, identity)).toBe('dana@acme.example');
    expect(provenEmail({ domains: ['other.example'] }, identity)).toBeUndefined();
    expect(identityFromProfile({ ...profile, email_verified: false }, { ...mapping, emailVerified: 'email_verified' }, idp).emailVerified).toBe(false);
  });

  it('refuses a profile without a subject', () => {
    expect(() => identityFromProfile({ email: 'x@acme.example' }, { ...mapping, emailVerified: true }, idp)).toThrow(expect.objectContaining({ code: 'invalid_response' }));
  });
});
