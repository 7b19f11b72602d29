/**
 * allowIdpInitiated on a SAML IdP sends the browser to an app's launchUrl: the config refuses an
 * unknown app or one without a launchUrl, with the key path.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ConfigError, loadConfig } from '../../src/config/load-config.js';
import { createKeyPair, type KeyPair } from '../support/certs.js';

const dir = mkdtempSync(join(tmpdir(), 'foyer-idp-initiated-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let sp: KeyPair;
beforeAll(async () => {
  sp = await createKeyPair('foyer-sp');
});

const saml = (app: string) => ({
  type: 'saml', id: 'contoso', displayName: 'Contoso', idpEntityId: 'https://sts.contoso.example', ssoUrl: 'https://sts.contoso.example/sso',
  idpCertificates: [sp.certificate], spPrivateKey: sp.privateKey, spCertificate: sp.certificate, domains: ['contoso.example'], allowIdpInitiated: { app },
});
const app = (launchUrl?: string) => ({ id: 'web', displayName: 'Web', clientSecret: 'x'.repeat(32), redirectUris: ['https://web.example/callback'], ...(launchUrl ? { launchUrl } : {}) });

function problemsOf(apps: unknown[], idp: unknown): string {
  const file = join(mkdtempSync(join(dir, 'c-')), 'foyer.yaml');
  writeFileSync(file, stringify({ tenant: { displayName: 'Northwind', memberDomains: ['northwind.example'] }, apps, identityProviders: [idp] }));
  try {
    loadConfig(file, {});
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems.join('\n');
  }
  return '';
}

describe('identityProviders[].allowIdpInitiated', () => {
  it('accepts an app with a launchUrl', () => {
    expect(problemsOf([app('https://web.example/')], saml('web'))).toBe('');
  });
  it('refuses an unknown app', () => {
    expect(problemsOf([app('https://web.example/')], saml('nope'))).toMatch(/identityProviders\[0\]\.allowIdpInitiated\.app: unknown app "nope"/);
  });
  it('refuses an app without a launchUrl', () => {
    expect(problemsOf([app()], saml('web'))).toMatch(/identityProviders\[0\]\.allowIdpInitiated\.app: app "web" has no launchUrl/);
  });
});
