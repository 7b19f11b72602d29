/**
 * App roles and optional claims that Foyer could not honour, or that would let a guest's IdP speak
 * for Foyer, are refused at start with one `file: key.path: problem` line each.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ConfigError, loadConfig } from '../../src/config/load-config.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'foyer-claims-config-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const APPROVER = '6b1f2d4e-8c3a-4f5b-9d7e-1a2b3c4d5e6f';
const AUDITOR = '0c9d8e7f-6a5b-4c3d-8e1f-2a3b4c5d6e7f';
const idp = { type: 'oidc', id: 'fabrikam', displayName: 'Fabrikam', issuer: 'https://fabrikam.example', clientId: 'foyer', clientSecret: 'secret', domains: ['fabrikam.example'] };

function write(app: Record<string, unknown>): string {
  const file = join(mkdtempSync(join(dir, 'cfg-')), 'foyer.yaml');
  const base = { id: 'expenses', displayName: 'Expenses', clientSecret: 'x'.repeat(32), redirectUris: ['https://expenses.example/cb'] };
  writeFileSync(file, stringify({ tenant: { displayName: 'Contoso' }, identityProviders: [idp], apps: [{ ...base, ...app }] }));
  return file;
}

function problemsOf(file: string): string[] {
  try {
    loadConfig(file, {});
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems.map((p) => p.replace(/^.*foyer\.yaml: /, ''));
  }
  throw new Error('the config loaded, but it should have been refused');
}

const role = (id: string, value: string) => ({ id, value, displayName: value });

describe('app roles', () => {
  it('a valid app with roles, a groups claim and optional claims loads, with Entra-like defaults', () => {
    const config = loadConfig(
      write({
        appRoles: [role(APPROVER, 'approver'), role(AUDITOR, 'auditor')],
        groupMembershipClaims: 'ApplicationGroup',
        optionalClaims: { idToken: [{ name: 'email' }, { name: 'given_name' }, { name: 'department', from: { fabrikam: 'dept' } }], accessToken: [{ name: 'user_type' }] },
      }),
      {},
    );
    const app = config.apps[0]!;
    expect(app.appRoles[0]!.allowedMemberTypes).toEqual(['User']);
    expect(app.groupsClaimLimit).toBe(200);
    expect(app.optionalClaims.accessToken).toEqual([{ name: 'user_type' }]);
  });

  it('bad role ids, duplicate ids and duplicate values are each named', () => {
    expect(problemsOf(write({ appRoles: [role('approver-role', 'approver')] }))).toEqual(['apps[0].appRoles[0].id: must be a UUID (the appRoleId assignments use)']);
    expect(problemsOf(write({ appRoles: [role('00000000-0000-0000-0000-000000000000', 'approver')] }))[0]).toMatch(/^apps\[0\]\.appRoles\[0\]\.id: .*default access role/);
    expect(problemsOf(write({ appRoles: [role(APPROVER, 'approver'), role(APPROVER.toUpperCase(), 'auditor')] }))).toEqual([`apps[0].appRoles[1].id: duplicate app role id ${APPROVER.toUpperCase()} (appRoles[0] already uses it)`]);
    expect(problemsOf(write({ appRoles: [role(APPROVER, 'approver'), role(AUDITOR, 'approver')] }))).toEqual([
      'apps[0].appRoles[1].value: duplicate app role value "approver" (appRoles[0] already uses it); the roles claim could not tell them apart',
    ]);
    expect(problemsOf(write({ appRoles: [{ ...role(APPROVER, 'approver'), allowedMemberTypes: ['Application'] }] }))[0]).toMatch(/^apps\[0\]\.appRoles\[0\]\.allowedMemberTypes\[0\]: Foyer assigns app roles to users and groups only/);
  });

  it('an unknown groups setting is refused', () => {
    expect(problemsOf(write({ groupMembershipClaims: 'All' }))[0]).toMatch(/^apps\[0\]\.groupMembershipClaims: /);
  });
});

describe('optional claims', () => {
  it('an unknown claim name without a source says what is known and how to pass one on', () => {
    const [problem] = problemsOf(write({ optionalClaims: { idToken: [{ name: 'department' }] } }));
    expect(problem).toMatch(/^apps\[0\]\.optionalClaims\.idToken\[0\]\.name: unknown claim "department": Foyer's own are email, .*any other name needs from: \{ <identity provider id>: <its claim or attribute> \}$/);
  });

  it("claims that carry Foyer's decisions cannot be optional claims, from an IdP or otherwise", () => {
    for (const name of ['sub', 'email_verified', 'roles', 'groups', 'acr']) {
      const [problem] = problemsOf(write({ optionalClaims: { accessToken: [{ name, from: { fabrikam: name } }] } }));
      expect(problem).toMatch(new RegExp(`^apps\\[0\\]\\.optionalClaims\\.accessToken\\[0\\]\\.name: "${name}" is a claim Foyer sets itself`));
    }
    // Foyer's own directory claims cannot be taken from an IdP either.
    for (const name of ['user_type', 'email']) {
      const [problem] = problemsOf(write({ optionalClaims: { idToken: [{ name, from: { fabrikam: 'x' } }] } }));
      expect(problem).toBe(`apps[0].optionalClaims.idToken[0].from: "${name}" comes from Foyer's directory, not from an identity provider; remove from, or give the IdP's value another name`);
    }
  });

  it('a source naming an unknown IdP, and a claim listed twice, are refused', () => {
    expect(problemsOf(write({ optionalClaims: { idToken: [{ name: 'department', from: { northwind: 'dept' } }] } }))).toEqual([
      'apps[0].optionalClaims.idToken[0].from.northwind: unknown identity provider "northwind" (known: fabrikam)',
    ]);
    expect(problemsOf(write({ optionalClaims: { idToken: [{ name: 'locale' }, { name: 'locale' }] } }))).toEqual(['apps[0].optionalClaims.idToken[1].name: "locale" is listed twice for the idToken']);
  });
});
