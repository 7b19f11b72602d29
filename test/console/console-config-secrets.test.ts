/**
 * The console's configuration and app pages never show a secret: app client secrets, upstream
 * client secrets, SAML private keys and the SMTP password stay out of every page (they are
 * replaced, not hidden with CSS), while the settings around them are shown. The config audit's
 * redaction and warnings are checked on their own too.
 */
import { describe, expect, it } from 'vitest';
import { configWarnings, REDACTED, redactSecrets } from '../../src/config/config-audit.js';
import type { FoyerConfig } from '../../src/config/schema.js';
import { createKeyPair } from '../support/certs.js';
import { DEMO_SECRET } from '../support/start-foyer.js';
import { PARTNER_SECRET, useWorld } from '../support/world.js';
import { consoleBrowser, open } from './console-helpers.js';

const SMTP_PASSWORD = 'smtp-password-that-must-not-show-9f2c';
const ADMIN = 'admin@contoso.example';

const world = useWorld({
  oidc: true,
  saml: [{ id: 'fabrikam', domains: ['fabrikam.example'] }],
  members: [{ email: ADMIN, admin: true }],
  customize: (config) => {
    config.mail = { ...(config.mail as object), smtp: { host: '127.0.0.1', port: 2525, user: 'mailer', password: SMTP_PASSWORD } };
  },
});

describe('configuration pages and secrets', () => {
  it('show every configured item and no secret on any page', async () => {
    const config = world.foyer.foyer.config;
    const saml = config.identityProviders.find((i) => i.id === 'fabrikam') as { spPrivateKey: string };
    const secrets = [DEMO_SECRET, PARTNER_SECRET, SMTP_PASSWORD, saml.spPrivateKey.split('\n')[1]!, 'PRIVATE KEY'];
    const browser = await consoleBrowser(world.foyer, ADMIN);
    const bodies: Record<string, string> = {};
    for (const path of ['/config', '/config/identity-providers', '/config/partners', '/config/policies', '/config/mail', '/apps', '/apps/web-app', '/apps/daemon-app']) {
      const page = await open(browser, `${world.issuer}/myapps/admin${path}`);
      expect([path, page.status]).toEqual([path, 200]);
      bodies[path] = page.body;
      for (const secret of secrets) expect(page.body.includes(secret), `${path} shows a secret`).toBe(false);
    }
    expect(bodies['/config/identity-providers']).toContain('fabrikam');
    expect(bodies['/config/identity-providers']).toContain('&quot;clientId&quot;: &quot;foyer&quot;');
    expect(bodies['/config/identity-providers']).toContain(`&quot;clientSecret&quot;: &quot;${REDACTED}&quot;`);
    expect(bodies['/config/identity-providers']).toContain(`&quot;spPrivateKey&quot;: &quot;${REDACTED}&quot;`);
    expect(bodies['/config/mail']).toContain('127.0.0.1:2525');
    expect(bodies['/config/mail']).toContain('&quot;user&quot;: &quot;mailer&quot;');
    expect(bodies['/config/mail']).toContain(`&quot;password&quot;: &quot;${REDACTED}&quot;`);
    expect(bodies['/config/mail']).not.toContain('no SMTP server is configured');
  });
});

describe('redactSecrets', () => {
  it('replaces secrets by key name at any depth and private keys by content, and keeps the rest', async () => {
    const { privateKey, certificate } = await createKeyPair('redaction');
    const input = {
      clientId: 'abc',
      clientSecret: 's3cret',
      options: { clientID: 'x', clientSecret: 'nested', scope: ['openid'] },
      privateKeyJwk: { kty: 'EC', d: 'private-part', crv: 'P-256' },
      smtp: { user: 'u', password: 'p', pass: 'q' },
      somethingElse: privateKey,
      idpCertificates: [certificate],
      apiToken: 't',
      trustMfa: false,
      empty: undefined,
    };
    expect(redactSecrets(input)).toEqual({
      clientId: 'abc',
      clientSecret: REDACTED,
      options: { clientID: 'x', clientSecret: REDACTED, scope: ['openid'] },
      privateKeyJwk: REDACTED,
      smtp: { user: 'u', password: REDACTED, pass: REDACTED },
      somethingElse: REDACTED,
      idpCertificates: [certificate],
      apiToken: REDACTED,
      trustMfa: false,
      empty: undefined,
    });
  });
});

describe('configWarnings', () => {
  it('warns about report-only and disabled policies, unknown apps, lone IdPs, plain http and the outbox', () => {
    const config = {
      identityProviders: [{ type: 'oidc', id: 'lonely', displayName: 'Lonely', issuer: 'http://127.0.0.1:1', clientId: 'c', clientSecret: 's', domains: [], trustedForDomains: false }],
      partners: [{ id: 'ghost', displayName: 'Ghost', domains: [], identityProviders: [] }],
      apps: [{ id: 'web-app' }],
      conditionalAccess: [
        { id: 'p1', state: 'enabledForReportingButNotEnforced', conditions: { applications: { includeApplications: ['web-app'], excludeApplications: [] } } },
        { id: 'p2', state: 'disabled', conditions: { applications: { includeApplications: ['gone-app'], excludeApplications: [] } } },
      ],
      mail: { outboxDir: 'data/outbox' },
    } as unknown as FoyerConfig;
    expect(configWarnings(config).map((w) => `${w.section} ${w.id}: ${w.message}`)).toEqual([
      'identityProviders lonely: lists no domains and no partner names it: home-realm discovery never sends anyone here (only invitations or the chooser can)',
      'identityProviders lonely: is reached over plain http (allowed on loopback only, for tests)',
      'partners ghost: has no domains and no identity providers, so no guest is ever recognised as theirs',
      'conditionalAccess p1: is report-only: evaluated and logged, never enforced',
      'conditionalAccess p2: is off: it is not evaluated',
      'conditionalAccess p2: names the app gone-app, which is not configured',
      'mail : no SMTP server is configured: mail is written to data/outbox instead of being sent',
    ]);
  });
});
