/**
 * The config refuses an IdP listed for a member domain (it could sign in as members): the one
 * exception is tenant.memberIdentityProvider, the members' own IdP, named explicitly.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ConfigError, loadConfig } from '../../src/config/load-config.js';

const dir = mkdtempSync(join(tmpdir(), 'foyer-member-idp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const oidc = (id: string, domains: string[]) => ({ type: 'oidc', id, displayName: id, issuer: `https://${id}.example`, clientId: 'foyer', clientSecret: 'secret', domains });

function problemsOf(extra: { tenant?: Record<string, unknown>; identityProviders: unknown[] }): string {
  const file = join(mkdtempSync(join(dir, 'c-')), 'foyer.yaml');
  writeFileSync(file, stringify({ tenant: { displayName: 'Contoso', memberDomains: ['contoso.example'], ...extra.tenant }, identityProviders: extra.identityProviders }));
  try {
    loadConfig(file, {});
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems.join('\n');
  }
  return '';
}

describe('tenant.memberIdentityProvider', () => {
  it('the named IdP may list the member domains', () => {
    expect(problemsOf({ tenant: { memberIdentityProvider: { idp: 'entra' } }, identityProviders: [oidc('entra', ['contoso.example'])] })).toBe('');
  });

  it('any other IdP listing a member domain is still refused', () => {
    const problems = problemsOf({ tenant: { memberIdentityProvider: { idp: 'entra' } }, identityProviders: [oidc('entra', ['contoso.example']), oidc('rogue', ['contoso.example'])] });
    expect(problems).toMatch(/identityProviders\[1\]\.domains\[0\]: "contoso\.example" is a member domain/);
    expect(problems).not.toMatch(/identityProviders\[0\]/);
  });

  it('without it, an IdP for a member domain is refused', () => {
    expect(problemsOf({ identityProviders: [oidc('entra', ['contoso.example'])] })).toMatch(/identityProviders\[0\]\.domains\[0\]: "contoso\.example" is a member domain/);
  });

  it('an unknown IdP, a social IdP, or a break-glass admin outside the member domains is refused', () => {
    expect(problemsOf({ tenant: { memberIdentityProvider: { idp: 'nope' } }, identityProviders: [] })).toMatch(/tenant\.memberIdentityProvider\.idp: unknown identity provider "nope"/);
    expect(problemsOf({ tenant: { memberIdentityProvider: { idp: 'github' } }, identityProviders: [{ type: 'github', clientId: 'x', clientSecret: 'y' }] })).toMatch(/tenant\.memberIdentityProvider\.idp: "github" is a github IdP/);
    expect(problemsOf({ tenant: { memberIdentityProvider: { idp: 'entra', breakGlassAdmins: ['root@elsewhere.example'] } }, identityProviders: [oidc('entra', ['contoso.example'])] })).toMatch(/tenant\.memberIdentityProvider\.breakGlassAdmins\[0\]: root@elsewhere\.example is not at a member domain/);
  });
});
