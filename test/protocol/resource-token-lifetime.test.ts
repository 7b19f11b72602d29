/**
 * An access token for an API lives that API's `accessTokenTtlSeconds` (resourceServers in config),
 * whichever grant issued it: authorization code, refresh token, client credentials. One API asks
 * for 5 minutes, one for 2 hours, one says nothing (the default hour); the opaque token an app gets
 * without a `resource` (good at userinfo only) keeps its hour. Lifetimes are read both from the
 * token response's expires_in and from the JWT's exp - iat (what an API checking it offline sees).
 */
import * as client from 'openid-client';
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { API_RESOURCE, daemonClient, signedInWebApp } from '../support/oidc-client.js';
import { PASSWORD, useWorld } from '../support/world.js';

const MEMBER = 'mia@contoso.example';
const SHORT = 'https://short.contoso.example';
const LONG = 'https://long.contoso.example';

/** Each API and the lifetime its tokens must have. */
const APIS = [
  { resource: SHORT, seconds: 300 },
  { resource: LONG, seconds: 7200 },
  { resource: API_RESOURCE, seconds: 3600 },
];

/** How long a JWT access token lives, by the response and by the token itself, and whom it is for. */
function lifetimeOf(tokens: client.TokenEndpointResponse) {
  const jwt = decodeJwt(tokens.access_token);
  return { expiresIn: tokens.expires_in, jwt: jwt.exp! - jwt.iat!, aud: jwt.aud };
}

describe('access token lifetimes per API (resourceServers[].accessTokenTtlSeconds)', () => {
  const world = useWorld({
    members: [MEMBER],
    customize: (config) => {
      // API_RESOURCE (from the base config) sets no lifetime: it gets the default hour.
      (config.resourceServers as unknown[]).push({ identifier: SHORT, scopes: ['read'], accessTokenTtlSeconds: 300 }, { identifier: LONG, scopes: ['read'], accessTokenTtlSeconds: 7200 });
    },
  });

  it.each(APIS)('client credentials for $resource: $seconds s', async ({ resource, seconds }) => {
    const daemon = await daemonClient(world.issuer);
    const tokens = await client.clientCredentialsGrant(daemon, { resource, scope: 'read' });
    expect(lifetimeOf(tokens)).toEqual({ expiresIn: seconds, jwt: seconds, aud: resource });
  });

  it.each(APIS)('authorization code and refresh for $resource: $seconds s', async ({ resource, seconds }) => {
    const { config, tokens } = await signedInWebApp(world.issuer, MEMBER, PASSWORD, { resource, scope: 'openid email profile read' });
    expect(lifetimeOf(tokens)).toEqual({ expiresIn: seconds, jwt: seconds, aud: resource });
    // The ID token keeps its own hour whatever the API's lifetime.
    const id = tokens.claims()!;
    expect(id.exp - id.iat).toBe(3600);

    // The refresh token's grant names the API: the refreshed access token is for it again.
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    expect(lifetimeOf(refreshed)).toEqual({ expiresIn: seconds, jwt: seconds, aud: resource });
  });

  it('keeps the hour for the opaque token an app gets without a resource (userinfo only), on sign-in and on refresh', async () => {
    const { config, tokens } = await signedInWebApp(world.issuer, MEMBER, PASSWORD);
    expect(() => decodeJwt(tokens.access_token)).toThrow();
    expect(tokens.expires_in).toBe(3600);
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    expect(() => decodeJwt(refreshed.access_token)).toThrow();
    expect(refreshed.expires_in).toBe(3600);
    // And it is still good at userinfo.
    const info = await client.fetchUserInfo(config, refreshed.access_token, tokens.claims()!.sub);
    expect(info.email).toBe(MEMBER);
  });
});
