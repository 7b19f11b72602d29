/**
 * The README's worked example (two partners, one trusted for MFA, one limited to one app) is a
 * config Foyer accepts, and means what the README says it means.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { loadConfig } from '../../src/config/load-config.js';
import type { FoyerConfig } from '../../src/config/schema.js';
import { projectRoot } from '../../src/lib/project-root.js';
import { admit } from '../../src/partners/admission.js';
import { MfaTrust } from '../../src/partners/mfa-trust.js';
import { PartnerDirectory } from '../../src/partners/partner-directory.js';
import { createKeyPair } from '../support/certs.js';

let dir: string;
let config: FoyerConfig;

beforeAll(async () => {
  const readme = readFileSync(join(projectRoot, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Partner organisations'), readme.indexOf('## API'));
  const example = /```yaml\n([\s\S]*?)```/.exec(section)![1]!;
  expect(example).toContain('partners:');
  dir = mkdtempSync(join(tmpdir(), 'foyer-readme-partners-'));
  const app = (id: string) => ({ id, displayName: id[0]!.toUpperCase() + id.slice(1), clientSecret: 'x'.repeat(32), redirectUris: [`https://${id}.contoso.com/cb`] });
  writeFileSync(join(dir, 'foyer.yaml'), stringify({ tenant: { displayName: 'Contoso', memberDomains: ['contoso.com'] }, apps: [app('projects'), app('payroll')] }));
  writeFileSync(join(dir, 'partners.yaml'), example);
  expect(Object.keys(parse(example) as object)).toEqual(['partners', 'partnerDefaults', 'identityProviders']);
  const sp = await createKeyPair('readme-sp');
  config = loadConfig(dir, { FABRIKAM_SECRET: 'secret', SAML_SP_KEY: sp.privateKey, SAML_SP_CERT: sp.certificate });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the README’s partner example', () => {
  it('loads, and does what the README says', () => {
    const directory = new PartnerDirectory(config);
    const decide = (email: string, idpId: string, appId: string, groups?: string[]) => {
      const d = admit(directory, { email, idpId, appId, assertions: groups ? { [idpId]: { groups } } : {} });
      return d.allowed ? 'allowed' : d.refusal!.code;
    };
    expect(decide('kim@fabrikam.com', 'fabrikam', 'payroll')).toBe('allowed');
    expect(decide('lee@northwind.com', 'northwind-saml', 'projects', ['contoso-project'])).toBe('allowed');
    expect(decide('pat@northwind.com', 'northwind-saml', 'projects')).toBe('allowed');
    expect(decide('lee@northwind.com', 'northwind-saml', 'payroll', ['contoso-project'])).toBe('partnerAppNotAllowed');
    expect(decide('max@northwind.com', 'northwind-saml', 'projects', ['sales'])).toBe('partnerUserNotAllowed');
    expect(decide('lee@northwind.com', 'email-otp', 'projects', ['contoso-project'])).toBe('partnerUserNotAllowed');
    expect(decide('dana@elsewhere.example', 'email-otp', 'payroll')).toBe('allowed');
    const trust = new MfaTrust(directory, config.identityProviders);
    expect(trust.forIdp('fabrikam')).toMatchObject({ accepted: true, maxAgeSeconds: 3600, acrValues: ['urn:fabrikam:acr:mfa'] });
    expect(trust.forIdp('northwind-saml').accepted).toBe(false);
    expect(directory.byId('fabrikam')!.autoRedeem).toBe(true);
    expect(directory.byId('northwind')!.autoRedeem).toBe(false);
  });
});
