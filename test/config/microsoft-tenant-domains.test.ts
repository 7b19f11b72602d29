/**
 * The multi-tenant Microsoft preset (`tenant: common` or `organizations`) signs in users of every
 * Entra tenant, and any tenant's admin can give a user any email (with xms_edov unset, the address is
 * "verified" for this IdP's `domains` only). Listing `domains` there without `allowedTenants` would
 * let any tenant prove, and with trustedForDomains take over, addresses of those domains (found by
 * the audit). The config refuses it, naming the key; a tenant restriction or a single tenant is fine.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ConfigError, loadConfig } from '../../src/config/load-config.js';

const FABRIKAM_TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'foyer-ms-tenants-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const microsoft = (fields: Record<string, unknown>) => ({ type: 'microsoft', clientId: 'm', clientSecret: 'a-microsoft-secret', ...fields });

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

describe('the multi-tenant Microsoft preset with domains', () => {
  it.each(['common', 'organizations'])('tenant %s with domains and no allowedTenants is refused, naming allowedTenants', (tenant) => {
    const problems = problemsWith([microsoft({ tenant, domains: ['fabrikam.com'], trustedForDomains: true })]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/foyer\.yaml: identityProviders\[0\]\.allowedTenants: is required when tenant is ".+" and domains are listed: otherwise any Entra tenant could sign in as an address of fabrikam\.com/);
  });

  it('is accepted with the tenant ids that own the domains', () => {
    expect(problemsWith([microsoft({ tenant: 'organizations', domains: ['fabrikam.com'], allowedTenants: [FABRIKAM_TENANT] })])).toEqual([]);
  });

  it('is accepted for one tenant, and multi-tenant without domains (a social login proving addresses only with xms_edov)', () => {
    expect(problemsWith([microsoft({ tenant: FABRIKAM_TENANT, domains: ['fabrikam.com'] })])).toEqual([]);
    expect(problemsWith([microsoft({ tenant: 'common' })])).toEqual([]);
  });
});
