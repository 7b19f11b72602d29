import { describe, expect, it } from 'vitest';
import { useFoyer } from '../support/world.js';
import { webAppClient } from '../support/oidc-client.js';

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'];

describe('discovery and JWKS', () => {
  const foyer = useFoyer();

  it('publishes the issuer and every endpoint under it, and openid-client accepts the document', async () => {
    const config = await webAppClient(foyer.issuer);
    const meta = config.serverMetadata();
    expect(meta.issuer).toBe(foyer.issuer);
    expect(meta).toMatchObject({
      authorization_endpoint: `${foyer.issuer}/auth`,
      token_endpoint: `${foyer.issuer}/token`,
      userinfo_endpoint: `${foyer.issuer}/me`,
      jwks_uri: `${foyer.issuer}/jwks`,
      introspection_endpoint: `${foyer.issuer}/token/introspection`,
      revocation_endpoint: `${foyer.issuer}/token/revocation`,
      end_session_endpoint: `${foyer.issuer}/session/end`,
    });
    expect(meta.scopes_supported).toEqual(expect.arrayContaining(['openid', 'email', 'profile', 'offline_access']));
    expect(meta.id_token_signing_alg_values_supported).toEqual(['ES256', 'RS256']);
    // acr/amr are announced because every ID token carries them.
    expect(meta.claims_supported).toEqual(expect.arrayContaining(['sub', 'email', 'acr', 'amr']));
  });

  it('advertises PKCE with S256 only', async () => {
    const res = await fetch(`${foyer.issuer}/.well-known/openid-configuration`);
    expect(res.status).toBe(200);
    const meta = (await res.json()) as Record<string, unknown>;
    expect(meta.code_challenge_methods_supported).toEqual(['S256']);
  });

  it('serves one ES256 and one RS256 public key, with unique kids and no private key material', async () => {
    const res = await fetch(`${foyer.issuer}/jwks`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/jwk-set\+json/);
    const { keys } = (await res.json()) as { keys: Record<string, unknown>[] };

    const es = keys.filter((k) => k.alg === 'ES256');
    const rs = keys.filter((k) => k.alg === 'RS256');
    expect(es).toHaveLength(1);
    expect(rs).toHaveLength(1);
    expect(es[0]).toMatchObject({ kty: 'EC', crv: 'P-256', use: 'sig' });
    expect(rs[0]).toMatchObject({ kty: 'RSA', e: 'AQAB', use: 'sig' });
    expect(new Set(keys.map((k) => k.kid)).size).toBe(keys.length);
    for (const key of keys) {
      expect(typeof key.kid).toBe('string');
      for (const member of PRIVATE_MEMBERS) expect(key, `${String(key.kid)} exposes "${member}"`).not.toHaveProperty(member);
    }
  });

  it('does not publish the cookie-signing secret as a key', async () => {
    const { keys } = (await (await fetch(`${foyer.issuer}/jwks`)).json()) as { keys: Record<string, unknown>[] };
    expect(keys.every((k) => k.kty !== 'oct')).toBe(true);
  });
});
