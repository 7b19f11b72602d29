/**
 * Partner settings that contradict themselves or the rest of the config are refused at start and
 * by `foyer config check`, one `file: key.path: problem` line each, blamed on the file the key is in.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ConfigError, loadConfig } from '../../src/config/load-config.js';
import { ensureBuilt, runCli } from '../cli/cli-harness.js';


let dir: string;

/** A config folder: foyer.yaml (tenant, apps, IdPs, policies) and partners.yaml (partners, partnerDefaults). */
function folder(main: Record<string, unknown>, partners: Record<string, unknown>): string {
  const d = mkdtempSync(join(dir, 'cfg-'));
  writeFileSync(join(d, 'foyer.yaml'), stringify({ tenant: { displayName: 'Contoso', memberDomains: ['contoso.example'] }, ...main }));
  writeFileSync(join(d, 'partners.yaml'), stringify(partners));
  return d;
}

function problemsOf(path: string): string[] {
  try {
    loadConfig(path, {});
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('the config loaded, but it should have been refused');
}

const oidc = (id: string, domains: string[] = [], extra: Record<string, unknown> = {}) => ({ type: 'oidc', id, displayName: id, issuer: `https://${id}.example`, clientId: 'foyer', clientSecret: 'secret', domains, ...extra });
const app = (id: string) => ({ id, displayName: id, clientSecret: 'x'.repeat(32), redirectUris: [`https://${id}.example/cb`] });

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'foyer-partners-config-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('contradictions in partner settings', () => {
  const main = {
    apps: [app('app-a'), app('app-b')],
    identityProviders: [oidc('fabrikam', ['fabrikam.example']), oidc('northwind', ['northwind.example']), oidc('fabrikam-two', ['northwind.example'])],
  };

  it('a domain in two partners, an IdP in two partners, an unknown app: each named with its file and key', () => {
    const problems = problemsOf(
      folder(main, {
        partners: [
          { id: 'fabrikam', displayName: 'Fabrikam', domains: ['fabrikam.example'], identityProviders: ['fabrikam'] },
          {
            id: 'northwind',
            displayName: 'Northwind',
            domains: ['northwind.example', 'fabrikam.example'],
            identityProviders: ['northwind', 'fabrikam'],
            b2bCollaborationInbound: { applications: { accessType: 'allowed', targets: ['app-a', 'app-c'] } },
          },
        ],
      }),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/partners\.yaml: partners\[1\]\.domains\[1\]: fabrikam\.example is already a domain of partners\[0\] \(fabrikam\)/),
        expect.stringMatching(/partners\.yaml: partners\[1\]\.identityProviders\[1\]: "fabrikam" already belongs to partners\[0\] \(fabrikam\)/),
        expect.stringMatching(/partners\.yaml: partners\[1\]\.b2bCollaborationInbound\.applications\.targets\[1\]: unknown app "app-c" \(known: app-a, app-b\)/),
      ]),
    );
    expect(problems).toHaveLength(3);
  });

  it('an IdP authoritative for another partner’s domain, an unknown IdP, a member domain', () => {
    const problems = problemsOf(
      folder(main, {
        partners: [
          { id: 'fabrikam', displayName: 'Fabrikam', domains: ['fabrikam.example', 'contoso.example'], identityProviders: ['fabrikam-two', 'fabrikm'] },
          { id: 'northwind', displayName: 'Northwind', domains: ['northwind.example'], identityProviders: ['northwind'] },
        ],
      }),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/partners\.yaml: partners\[0\]\.domains\[1\]: contoso\.example is a member domain/),
        expect.stringMatching(/partners\.yaml: partners\[0\]\.identityProviders\[1\]: unknown identity provider "fabrikm"/),
        expect.stringMatching(/foyer\.yaml: identityProviders\[2\]\.domains\[0\]: northwind\.example belongs to partners\[1\] \(northwind\), but this IdP belongs to partners\[0\] \(fabrikam\)/),
      ]),
    );
  });

  it('MFA trust in two places: the IdP’s trustMfa is refused with where to move it', () => {
    const problems = problemsOf(
      folder({ ...main, identityProviders: [oidc('fabrikam', ['fabrikam.example'], { trustMfa: true })] }, {
        partners: [{ id: 'fabrikam', displayName: 'Fabrikam', domains: ['fabrikam.example'], identityProviders: ['fabrikam'], inboundTrust: { isMfaAccepted: false, mfaMaxAgeMinutes: 30 } }],
      }),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/foyer\.yaml: identityProviders\[0\]\.trustMfa: "fabrikam" belongs to partner fabrikam: set MFA trust there, in partners\[0\]\.inboundTrust/),
        expect.stringMatching(/partners\.yaml: partners\[0\]\.inboundTrust\.mfaMaxAgeMinutes: has no effect while isMfaAccepted is false/),
      ]),
    );
  });

  it('targets that cannot be written so: AllUsers beside others, a reserved id, an address that is not one', () => {
    const problems = problemsOf(
      folder(main, {
        partners: [
          { id: 'northwind', displayName: 'Northwind', domains: ['northwind.example'], b2bCollaborationInbound: { usersAndGroups: { accessType: 'allowed', targets: ['AllUsers', 'x@northwind.example'] } } },
          { id: 'default', displayName: 'Default', domains: ['default.example'] },
        ],
        partnerDefaults: { b2bCollaborationInbound: { usersAndGroups: { accessType: 'blocked', targets: ['not-an-email'] } } },
      }),
    );
    expect(problems).toEqual([
      expect.stringMatching(/partners\.yaml: partners\[0\]\.b2bCollaborationInbound\.usersAndGroups\.targets\[0\]: AllUsers stands alone/),
      expect.stringMatching(/partners\.yaml: partners\[1\]\.id: "default" is reserved/),
      expect.stringMatching(/partners\.yaml: partnerDefaults\.b2bCollaborationInbound\.usersAndGroups\.targets\[0\]\.target: a user target is AllUsers or an email address/),
    ]);
  });

  it('targets that cannot work: a group without the partner’s own IdP, My Apps, a group in partnerDefaults, a partner nobody can belong to', () => {
    const problems = problemsOf(
      folder(main, {
        partners: [
          { id: 'fabrikam', displayName: 'Fabrikam', domains: ['fabrikam.example'], b2bCollaborationInbound: { usersAndGroups: { accessType: 'allowed', targets: [{ target: 'eng', targetType: 'group' }] }, applications: { accessType: 'allowed', targets: ['foyer-myapps'] } } },
          { id: 'nobody', displayName: 'Nobody' },
        ],
        partnerDefaults: { b2bCollaborationInbound: { usersAndGroups: { accessType: 'blocked', targets: [{ target: 'x', targetType: 'group' }] } } },
      }),
    );
    expect(problems).toEqual([
      expect.stringMatching(/partners\.yaml: partners\[0\]\.b2bCollaborationInbound\.usersAndGroups\.targets\[0\]: a group is asserted by the partner's own IdP/),
      expect.stringMatching(/partners\.yaml: partners\[0\]\.b2bCollaborationInbound\.applications\.targets\[0\]: My Apps is open to every guest who may come in/),
      expect.stringMatching(/partners\.yaml: partners\[1\]\.domains: give the partner domains or its own identity provider/),
      expect.stringMatching(/partners\.yaml: partnerDefaults\.b2bCollaborationInbound\.usersAndGroups\.targets\[0\]: groups are asserted by a partner's own IdP/),
    ]);
  });

  it('conditional access naming a partner that does not exist, or a kind of external user Foyer has not', () => {
    const policy = (users: Record<string, unknown>) => ({ displayName: 'Partner MFA', state: 'enabled', conditions: { users, applications: { includeApplications: ['All'] } }, grantControls: { builtInControls: ['mfa'] } });
    const problems = problemsOf(
      folder(
        {
          ...main,
          conditionalAccess: [
            policy({ includeGuestsOrExternalUsers: { guestOrExternalUserTypes: 'b2bCollaborationGuest', externalTenants: { membershipKind: 'enumerated', members: ['fabrikam', 'wingtip'] } } }),
            policy({ includeGuestsOrExternalUsers: { guestOrExternalUserTypes: 'b2bDirectConnectUser,b2bCollaborationGuest' } }),
          ],
          mfa: { encryptionKey: 'a'.repeat(64) },
        },
        { partners: [{ id: 'fabrikam', displayName: 'Fabrikam', domains: ['fabrikam.example'] }] },
      ),
    );
    expect(problems).toHaveLength(2);
    expect(problems).toEqual(expect.arrayContaining([
      expect.stringMatching(/foyer\.yaml: conditionalAccess\[0\]\.conditions\.users\.includeGuestsOrExternalUsers\.externalTenants\.members\[1\]: unknown partner "wingtip" \(known: fabrikam\)/),
      expect.stringMatching(/foyer\.yaml: conditionalAccess\[1\]\.conditions\.users\.includeGuestsOrExternalUsers\.guestOrExternalUserTypes: Foyer has no b2bDirectConnectUser users/),
    ]));
  });

  it('a SAML IdP needs its SSO URL and certificates, or a metadata URL', () => {
    const problems = problemsOf(
      folder({ identityProviders: [{ type: 'saml', id: 'contoso', displayName: 'Contoso', idpEntityId: 'https://sts.contoso.example', metadataRefreshMinutes: 5, spPrivateKey: 'x', spCertificate: 'y' }] }, {}),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/identityProviders\[0\]\.ssoUrl: is required unless metadataUrl is given/),
        expect.stringMatching(/identityProviders\[0\]\.idpCertificates: is required unless metadataUrl is given/),
        expect.stringMatching(/identityProviders\[0\]\.metadataRefreshMinutes: has no effect without metadataUrl/),
      ]),
    );
  });

  it('a good partner config loads, with every left-out section inherited from partnerDefaults', () => {
    const config = loadConfig(
      folder(main, {
        partners: [{ id: 'fabrikam', displayName: 'Fabrikam', domains: ['fabrikam.example'], identityProviders: ['fabrikam', 'email-otp'] }],
        partnerDefaults: { inboundTrust: { isMfaAccepted: true } },
      }),
      {},
    );
    expect(config.partners[0]).toMatchObject({ id: 'fabrikam', identityProviders: ['fabrikam', 'email-otp'] });
    expect(config.partners[0]!.inboundTrust).toBeUndefined();
    expect(config.partnerDefaults.b2bCollaborationInbound.usersAndGroups).toEqual({ accessType: 'allowed', targets: [{ target: 'AllUsers', targetType: 'user' }] });
  });
});

describe('foyer config check', () => {
  beforeAll(() => ensureBuilt(), 120_000);

  it('prints each contradiction as file: key: problem and exits non-zero', async () => {
    const cfg = folder(
      { apps: [app('app-a')], identityProviders: [oidc('fabrikam', ['fabrikam.example'])] },
      {
        partners: [
          { id: 'fabrikam', displayName: 'Fabrikam', domains: ['fabrikam.example'], identityProviders: ['fabrikam'] },
          { id: 'northwind', displayName: 'Northwind', domains: ['fabrikam.example'], identityProviders: ['fabrikam'], b2bCollaborationInbound: { applications: { accessType: 'allowed', targets: ['app-z'] } } },
        ],
      },
    );
    const result = await runCli(['config', 'check'], { config: cfg });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/partners\.yaml: partners\[1\]\.domains\[0\]: fabrikam\.example is already a domain of partners\[0\]/);
    expect(result.stderr).toMatch(/partners\.yaml: partners\[1\]\.identityProviders\[0\]: "fabrikam" already belongs to partners\[0\]/);
    expect(result.stderr).toMatch(/partners\.yaml: partners\[1\]\.b2bCollaborationInbound\.applications\.targets\[0\]: unknown app "app-z"/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
