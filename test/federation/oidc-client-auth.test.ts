import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oidcIdpSchema } from '../../src/config/identity-providers-schema.js';
import type { Connector } from '../../src/federation/connector.js';
import { createConnector } from '../../src/federation/create-connector.js';
import { FederationError } from '../../src/federation/federation-error.js';
import { createLogger } from '../../src/logging/logger.js';
import { Browser } from '../support/browserless.js';
import { signInAtPartner, startPartnerIdp, type PartnerIdp } from '../support/partner-idp.js';

const FOYER = 'http://127.0.0.1:3999';
const CALLBACK = `${FOYER}/federation/partner/callback`;
const SECRET = 'partner-client-secret-for-foyer-0123456789';
const logger = createLogger('silent');

// The JWK an admin would put in FOYER_PARTNER_JWK; the partner registers its public half.
const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const privateJwk = { ...privateKey.export({ format: 'jwk' }), kid: 'foyer-client-key-1', alg: 'ES256' };
const { d: _d, ...publicJwk } = privateJwk;

let partner: PartnerIdp;
beforeAll(async () => {
  partner = await startPartnerIdp({
    clients: [
      { clientId: 'foyer-post', clientSecret: SECRET, authMethod: 'client_secret_post', redirectUris: [CALLBACK] },
      { clientId: 'foyer-jwt', authMethod: 'private_key_jwt', publicJwk, redirectUris: [CALLBACK] },
      { clientId: 'foyer-basic', clientSecret: SECRET, authMethod: 'client_secret_basic', redirectUris: [CALLBACK] },
    ],
  });
});
afterAll(() => partner.close());

function connector(settings: Record<string, unknown>): Connector {
  const idp = oidcIdpSchema.parse({ type: 'oidc', id: 'partner', displayName: 'Partner Corp', issuer: partner.issuer, ...settings });
  return createConnector(idp, { issuer: FOYER, logger });
}

async function signInWith(c: Connector) {
  const { redirectTo, pending } = await c.start({ callbackUrl: CALLBACK });
  const params = await signInAtPartner(new Browser(), redirectTo, 'alice', CALLBACK);
  return c.finish({ pending, callbackUrl: CALLBACK, params });
}

describe('OIDC client authentication at the partner token endpoint', () => {
  it('authenticates with client_secret_post', async () => {
    const identity = await signInWith(connector({ clientId: 'foyer-post', clientSecret: SECRET, clientAuth: 'client_secret_post' }));
    expect(identity.subject).toBe('alice-0001');
  });

  it('authenticates with private_key_jwt, the key given as JSON text (as from an environment variable)', async () => {
    const identity = await signInWith(connector({ clientId: 'foyer-jwt', clientAuth: 'private_key_jwt', privateKeyJwk: JSON.stringify(privateJwk) }));
    expect(identity.subject).toBe('alice-0001');
  });

  it('fails with upstream_error invalid_client when the partner does not accept the client secret', async () => {
    const err = await signInWith(connector({ clientId: 'foyer-basic', clientSecret: 'not-the-secret' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FederationError);
    expect((err as FederationError).code).toBe('upstream_error');
    expect((err as FederationError).details.upstreamError).toBe('invalid_client');
  });

  it('fails with upstream_error invalid_client when signed with a key the partner does not know', async () => {
    const { privateKey: other } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const wrongJwk = { ...other.export({ format: 'jwk' }), kid: 'foyer-client-key-1' };
    const err = await signInWith(connector({ clientId: 'foyer-jwt', clientAuth: 'private_key_jwt', privateKeyJwk: wrongJwk })).catch((e: unknown) => e);
    expect((err as FederationError).code).toBe('upstream_error');
    expect((err as FederationError).details.upstreamError).toBe('invalid_client');
  });
});
