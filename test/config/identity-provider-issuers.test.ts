/**
 * What an identity provider may claim, checked by `foyer config check` and at start. Identities are
 * named by (issuer, subject), and a SAML IdP's entity ID is whatever its admin chose:
 * `foyer config check` (and start) refuses an IdP that names itself with another IdP's issuer or with
 * one Foyer's own sign-ins use, so the collision test/attacks/identity-issuer-collision.test.ts plays
 * out at sign-in is caught in config where it can be seen. The reserved list must match the issuers
 * the connectors really give their identities. And no IdP may be listed for the host's member
 * domain: with trustedForDomains it would link its own users to members' accounts (an admin's).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { RESERVED_ISSUERS } from '../../src/config/identity-providers-schema.js';
import { ConfigError, loadConfig } from '../../src/config/load-config.js';
import { EMAIL_OTP_ISSUER } from '../../src/federation/email-passcode.js';
import { GITHUB_ISSUER } from '../../src/federation/github-connector.js';
import { APPLE_ISSUER, FACEBOOK_ISSUER, GOOGLE_ISSUER, microsoftIssuer } from '../../src/federation/presets.js';
import { createKeyPair, type KeyPair } from '../support/certs.js';

let dir: string;
let keys: KeyPair;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'foyer-issuers-'));
  keys = await createKeyPair('foyer-sp');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const saml = (id: string, idpEntityId: string) => ({ type: 'saml', id, displayName: id, idpEntityId, ssoUrl: 'https://idp.newco.example/sso', idpCertificates: [keys.certificate], spPrivateKey: keys.privateKey, spCertificate: keys.certificate });
const oidc = { type: 'oidc', id: 'partner', displayName: 'Partner', issuer: 'https://idp.partner.example', clientId: 'foyer', clientSecret: 'a-partner-secret' };

function problemsWith(identityProviders: unknown[]): string[] {
  const file = join(dir, 'foyer.yaml');
  writeFileSync(file, stringify({ tenant: { displayName: 'Contoso', memberDomains: ['contoso.example'] }, identityProviders }));
  try {
    loadConfig(file, {});
    return [];
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
}

describe('an identity provider naming itself with an issuer that is not its own', () => {
  it.each([
    ["the email passcode's", EMAIL_OTP_ISSUER],
    ["GitHub's", GITHUB_ISSUER],
    ["Google's", GOOGLE_ISSUER],
    ["a Microsoft tenant's", microsoftIssuer('72f988bf-86f1-41af-91ab-2d7cd011db47')],
  ])('a SAML entity ID equal to %s issuer is refused, naming the key', (_name, issuer) => {
    const problems = problemsWith([saml('newco', issuer)]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/foyer\.yaml: identityProviders\[0\]\.idpEntityId: .*a SAML IdP must name itself with its own entity ID/);
  });

  it("a SAML entity ID equal to another IdP's issuer is refused", () => {
    const problems = problemsWith([oidc, saml('newco', oidc.issuer)]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/identityProviders\[1\]\.idpEntityId: "https:\/\/idp\.partner\.example" is already the issuer of identityProviders\[0\]/);
  });

  it('two SAML IdPs with one entity ID are refused', () => {
    expect(problemsWith([saml('one', 'https://idp.one.example'), saml('two', 'https://idp.one.example')])).toHaveLength(1);
  });

  it('IdPs with their own issuers load (the control)', () => {
    expect(problemsWith([oidc, saml('newco', 'https://idp.newco.example/metadata'), { type: 'github', clientId: 'g', clientSecret: 'g-secret' }])).toEqual([]);
  });

  it("the reserved list is what the connectors give their identities", () => {
    expect([...RESERVED_ISSUERS].sort()).toEqual([EMAIL_OTP_ISSUER, GITHUB_ISSUER, GOOGLE_ISSUER, FACEBOOK_ISSUER, APPLE_ISSUER].sort());
    expect(microsoftIssuer('common').startsWith('https://login.microsoftonline.com/')).toBe(true);
  });
});

describe("an identity provider listed for the host's own member domain", () => {
  it('is refused: a trusted partner IdP would link its users to members, administrators included', () => {
    const problems = problemsWith([{ ...oidc, domains: ['partner.example', 'contoso.example'], trustedForDomains: true }]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/foyer\.yaml: identityProviders\[0\]\.domains\[1\]: "contoso\.example" is a member domain/);
  });

  it('is refused whatever the kind of IdP', () => {
    expect(problemsWith([{ ...saml('newco', 'https://idp.newco.example/metadata'), domains: ['contoso.example'] }])).toHaveLength(1);
    expect(problemsWith([{ type: 'github', clientId: 'g', clientSecret: 'g-secret', domains: ['contoso.example'] }])).toHaveLength(1);
  });
});
