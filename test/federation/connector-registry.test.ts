import { afterAll, describe, expect, it } from 'vitest';
import { identityProvidersSchema } from '../../src/config/identity-providers-schema.js';
import { createConnectorRegistry } from '../../src/federation/connector-registry.js';
import type { FederationError } from '../../src/federation/federation-error.js';
import { createLogger } from '../../src/logging/logger.js';
import { Browser } from '../support/browserless.js';
import { createKeyPair } from '../support/certs.js';
import { signInAtPartner, startPartnerIdp, type PartnerIdp } from '../support/partner-idp.js';
import { freePort } from '../support/start-foyer.js';

const FOYER = 'http://127.0.0.1:3999';
const CALLBACK = `${FOYER}/federation/partner/callback`;
const SECRET = 'partner-client-secret-for-foyer-0123456789';
const logger = createLogger('silent');

let partner: PartnerIdp | undefined;
afterAll(() => partner?.close());

describe('connector registry', () => {
  it('starts while an IdP is down, fails its sign-ins with upstream_unreachable, and recovers once it is back', async () => {
    const port = await freePort();
    const issuer = `http://127.0.0.1:${port}`;
    const idps = identityProvidersSchema.parse([{ type: 'oidc', id: 'partner', displayName: 'Partner Corp', issuer, clientId: 'foyer', clientSecret: SECRET }]);
    const registry = createConnectorRegistry(idps, { issuer: FOYER, logger, discoveryRetryAfterMs: 200 });
    await expect(registry.warmUp()).resolves.toBeUndefined();

    const connector = registry.byId('partner')!;
    const err = await connector.start({ callbackUrl: CALLBACK }).catch((e: unknown) => e);
    expect((err as FederationError).code).toBe('upstream_unreachable');

    partner = await startPartnerIdp({ port, clients: [{ clientId: 'foyer', clientSecret: SECRET, authMethod: 'client_secret_basic', redirectUris: [CALLBACK] }] });
    await new Promise((resolve) => setTimeout(resolve, 250));
    const { redirectTo, pending } = await connector.start({ callbackUrl: CALLBACK });
    const params = await signInAtPartner(new Browser(), redirectTo, 'alice', CALLBACK);
    expect((await connector.finish({ pending, callbackUrl: CALLBACK, params })).subject).toBe('alice-0001');
  });

  it('finds IdPs by domain, federated before social, and lists them in config order', async () => {
    const sp = await createKeyPair('foyer-sp');
    const idp = await createKeyPair('contoso-idp');
    const idps = identityProvidersSchema.parse([
      { type: 'google', clientId: 'g', clientSecret: 'gs', domains: ['gmail.com', 'contoso.com'] },
      { type: 'oidc', id: 'contoso-oidc', displayName: 'Contoso', issuer: 'https://login.contoso.com', clientId: 'c', clientSecret: 's', domains: ['Contoso.com'] },
      { type: 'saml', id: 'contoso-saml', displayName: 'Contoso SAML', idpEntityId: 'urn:contoso', ssoUrl: 'https://sso.contoso.com/saml', idpCertificates: [idp.certificate], spPrivateKey: sp.privateKey, spCertificate: sp.certificate, domains: ['contoso.com'] },
      { type: 'github', clientId: 'gh', clientSecret: 'ghs' },
      { type: 'microsoft', clientId: 'm', clientSecret: 'ms', tenant: 'fabrikam.onmicrosoft.com', domains: ['fabrikam.com'] },
    ]);
    const registry = createConnectorRegistry(idps, { issuer: FOYER, logger });
    expect(registry.list().map((c) => c.id)).toEqual(['google', 'contoso-oidc', 'contoso-saml', 'github', 'microsoft']);
    expect(registry.forDomain('CONTOSO.com').map((c) => c.id)).toEqual(['contoso-oidc', 'contoso-saml', 'google']);
    expect(registry.forDomain('gmail.com').map((c) => c.id)).toEqual(['google']);
    // A single Microsoft tenant is an organisation's own IdP, not a social login.
    expect(registry.forDomain('fabrikam.com').map((c) => [c.id, c.category])).toEqual([['microsoft', 'federated']]);
    expect(registry.forDomain('unknown.example')).toEqual([]);
    expect(registry.byId('contoso-saml')?.responseMode).toBe('form_post');
    expect(registry.byId('nope')).toBeUndefined();
  });
});
