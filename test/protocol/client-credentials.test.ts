import * as client from 'openid-client';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_RESOURCE, daemonClient, oauthErrorOf } from '../support/oidc-client.js';
import { DEMO_SECRET, startFoyer, type RunningFoyer } from '../support/start-foyer.js';

describe('client credentials for a registered API (resource indicators)', () => {
  let foyer: RunningFoyer;
  let daemon: client.Configuration;

  beforeAll(async () => {
    foyer = await startFoyer();
    daemon = await daemonClient(foyer.issuer);
  });
  afterAll(() => foyer?.stop());

  it('issues an ES256 JWT access token for the resource that verifies against Foyer\'s JWKS', async () => {
    const tokens = await client.clientCredentialsGrant(daemon, { resource: API_RESOURCE, scope: 'read' });
    expect(tokens.token_type.toLowerCase()).toBe('bearer');
    expect(tokens.scope).toBe('read');
    expect(tokens.expires_in).toBeGreaterThan(0);

    const jwks = createRemoteJWKSet(new URL(`${foyer.issuer}/jwks`));
    const { payload, protectedHeader } = await jwtVerify(tokens.access_token, jwks, {
      issuer: foyer.issuer,
      audience: API_RESOURCE,
      typ: 'at+jwt',
    });
    expect(protectedHeader.alg).toBe('ES256');
    expect(payload.aud).toBe(API_RESOURCE);
    expect(payload.client_id).toBe('daemon-app');
    expect(payload.scope).toBe('read');
    // No user is involved: the subject is the app itself (RFC 9068).
    expect(payload.sub).toBe('daemon-app');
    // Entra's marker of an app token; this app was granted no API permissions in config.
    expect(payload.idtyp).toBe('app');
    expect(payload.roles).toEqual([]);
  });

  it('only grants the scopes the API declares, silently narrowing the request', async () => {
    const tokens = await client.clientCredentialsGrant(daemon, { resource: API_RESOURCE, scope: 'read delete' });
    expect(tokens.scope).toBe('read');
    const { payload } = await jwtVerify(tokens.access_token, createRemoteJWKSet(new URL(`${foyer.issuer}/jwks`)));
    expect(payload.scope).toBe('read');
  });

  it('refuses an unknown resource with invalid_target', async () => {
    const refused = await oauthErrorOf(client.clientCredentialsGrant(daemon, { resource: 'https://unknown.example', scope: 'read' }));
    expect(refused).toMatchObject({ error: 'invalid_target', status: 400 });
  });

  it('refuses a wrong client secret with invalid_client', async () => {
    const impostor = await daemonClient(foyer.issuer, 'a-wrong-secret-that-is-long-enough-000000');
    const refused = await oauthErrorOf(client.clientCredentialsGrant(impostor, { resource: API_RESOURCE, scope: 'read' }));
    expect(refused).toMatchObject({ error: 'invalid_client', status: 401 });
  });

  it('does not let an app use a grant type it was not registered for', async () => {
    const web = await client.discovery(new URL(foyer.issuer), 'web-app', undefined, client.ClientSecretBasic(DEMO_SECRET), {
      execute: [client.allowInsecureRequests],
    });
    const refused = await oauthErrorOf(client.clientCredentialsGrant(web, { resource: API_RESOURCE, scope: 'read' }));
    // oidc-provider answers invalid_request ("requested grant type is not allowed for this client")
    // where RFC 6749 section 5.2 suggests unauthorized_client; what matters is that nothing is issued.
    expect(refused).toMatchObject({ error: 'invalid_request', status: 400 });
    expect(refused.description).toMatch(/grant type is not allowed/);
  });
});
