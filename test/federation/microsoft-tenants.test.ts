/**
 * The multi-tenant Microsoft preset restricted to the tenants that own its `domains`
 * (`allowedTenants`, which the config requires once domains are listed: test/config/microsoft-tenant-domains.test.ts).
 * Entra's /organizations endpoint signs in users of every tenant; here a real oidc-provider plays it,
 * its ID tokens carrying a `tid` (re-signed with its own key, so the signature is valid). A second
 * tenant asserting a verified address of the domain is refused before any identity is returned; the
 * owning tenant signs in. Connector-level: the preset's issuer is login.microsoftonline.com, so the
 * loopback IdP stands in for it through the same connector code.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { microsoftIdpSchema } from '../../src/config/identity-providers-schema.js';
import type { PendingOidc } from '../../src/federation/connector.js';
import { FederationError } from '../../src/federation/federation-error.js';
import { createOidcConnector } from '../../src/federation/oidc-connector.js';
import { microsoftSettings } from '../../src/federation/presets.js';
import { createLogger } from '../../src/logging/logger.js';
import { Browser } from '../support/browserless.js';
import { signInAtPartner, startPartnerIdp, type PartnerIdp } from '../support/partner-idp.js';

const CALLBACK = 'http://127.0.0.1:3998/federation/microsoft/callback';
const SECRET = 'microsoft-client-secret-for-foyer-0123';
const FABRIKAM_TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const SECOND_TENANT = '11111111-2222-4333-8444-555555555555';

let entra: PartnerIdp;
beforeAll(async () => {
  entra = await startPartnerIdp({
    clients: [{ clientId: 'foyer', clientSecret: SECRET, authMethod: 'client_secret_basic', redirectUris: [CALLBACK] }],
    users: { alice: { sub: 'alice-sub', email: 'alice@fabrikam.com', emailVerified: true, name: 'Alice', amr: ['pwd'] } },
  });
});
afterAll(() => entra.close());
afterEach(() => entra.tamperIdTokens(undefined));

function connector() {
  const idp = microsoftIdpSchema.parse({ type: 'microsoft', clientId: 'foyer', clientSecret: SECRET, tenant: 'organizations', domains: ['fabrikam.com'], allowedTenants: [FABRIKAM_TENANT] });
  return createOidcConnector({ ...microsoftSettings(idp), issuer: entra.issuer }, { logger: createLogger('silent') });
}

async function signInFromTenant(tid: string) {
  entra.tamperIdTokens({ claims: (claims) => ({ ...claims, tid, email: 'alice@fabrikam.com', email_verified: true }) });
  const c = connector();
  const { redirectTo, pending } = await c.start({ callbackUrl: CALLBACK });
  const params = await signInAtPartner(new Browser(), redirectTo, 'alice', CALLBACK);
  return c.finish({ pending: pending as PendingOidc, callbackUrl: CALLBACK, params });
}

describe('the Microsoft preset with allowedTenants', () => {
  it('refuses a second tenant asserting a verified address of the domain, before any identity is returned', async () => {
    const err = await signInFromTenant(SECOND_TENANT).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(FederationError);
    expect(err).toMatchObject({ code: 'wrong_issuer' });
  });

  it('signs in a user of the tenant that owns the domain', async () => {
    expect(await signInFromTenant(FABRIKAM_TENANT)).toMatchObject({ subject: 'alice-sub', email: 'alice@fabrikam.com', emailVerified: true });
  });
});
