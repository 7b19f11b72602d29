/** SCIM clients that could not work, or would be ambiguous, are refused at start with file: key: problem. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ConfigError, loadConfig } from '../../src/config/load-config.js';

const dir = mkdtempSync(join(tmpdir(), 'foyer-scim-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const HASH = 'a'.repeat(64);

function problemsOf(scim: unknown): string[] {
  const file = join(mkdtempSync(join(dir, 'c-')), 'foyer.yaml');
  writeFileSync(file, stringify({ tenant: { displayName: 'Contoso', memberDomains: ['contoso.example'] }, partners: [{ id: 'fabrikam', displayName: 'Fabrikam', domains: ['fabrikam.example'] }], scim }));
  try {
    loadConfig(file, {});
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  return [];
}

describe('scim.clients', () => {
  it('a valid members client and a guests client for a partner load', () => {
    expect(problemsOf({ clients: [{ id: 'hr', tokenSha256: HASH, provisions: 'members' }, { id: 'fab', tokenSha256: 'b'.repeat(64), provisions: 'guests', partner: 'fabrikam' }] })).toEqual([]);
  });

  it.each([
    [{ id: 'fab', tokenSha256: HASH, provisions: 'guests' }, /scim\.clients\[0\]\.partner: a client that provisions guests must name its partner/],
    [{ id: 'fab', tokenSha256: HASH, provisions: 'guests', partner: 'nobody' }, /scim\.clients\[0\]\.partner: unknown partner "nobody"/],
    [{ id: 'hr', tokenSha256: HASH, provisions: 'members', partner: 'fabrikam' }, /scim\.clients\[0\]\.partner: a client that provisions members names no partner/],
    [{ id: 'hr', tokenSha256: 'the-token-itself', provisions: 'members' }, /scim\.clients\[0\]\.tokenSha256: must be the 64 hex digits/],
  ])('refuses %j', (client, problem) => {
    expect(problemsOf({ clients: [client] }).join('\n')).toMatch(problem);
  });

  it('refuses two clients with one token', () => {
    expect(problemsOf({ clients: [{ id: 'a', tokenSha256: HASH, provisions: 'members' }, { id: 'b', tokenSha256: HASH, provisions: 'members' }] }).join('\n')).toMatch(/scim\.clients\[1\]\.tokenSha256: two SCIM clients share a token/);
  });
});
