import * as client from 'openid-client';
import { beforeAll, describe, expect, it } from 'vitest';
import { API_RESOURCE, daemonClient, oauthErrorOf, signedInWebApp, spaClient, WEB_APP } from '../support/oidc-client.js';
import { useFoyer } from '../support/world.js';

const EMAIL = 'dave@contoso.example';
const PASSWORD = 'introspect this 7';

describe('token introspection and revocation', () => {
  const foyer = useFoyer();
  let memberId: string;

  beforeAll(async () => {
    memberId = await foyer.createMember(EMAIL, PASSWORD);
  });

  it('reports a valid access token as active with its subject, client and scope', async () => {
    const { config, tokens } = await signedInWebApp(foyer.issuer, EMAIL, PASSWORD);
    const info = await client.tokenIntrospection(config, tokens.access_token);
    expect(info).toMatchObject({ active: true, sub: memberId, client_id: WEB_APP.id, token_type: 'Bearer' });
    expect(info.scope?.split(' ')).toEqual(expect.arrayContaining(['openid', 'email']));
    expect(info.exp).toBeGreaterThan(Date.now() / 1000);
  });

  it('reports an access token as inactive once it is revoked, and userinfo stops accepting it', async () => {
    const { config, tokens } = await signedInWebApp(foyer.issuer, EMAIL, PASSWORD);
    await client.fetchUserInfo(config, tokens.access_token, memberId);
    await client.tokenRevocation(config, tokens.access_token, { token_type_hint: 'access_token' });
    expect((await client.tokenIntrospection(config, tokens.access_token)).active).toBe(false);
    const refused = await oauthErrorOf(client.fetchUserInfo(config, tokens.access_token, memberId));
    expect(refused).toMatchObject({ error: 'invalid_token', status: 401 });
  });

  it('revokes a refresh token so it can no longer be redeemed', async () => {
    const { config, tokens } = await signedInWebApp(foyer.issuer, EMAIL, PASSWORD);
    expect((await client.tokenIntrospection(config, tokens.refresh_token!)).active).toBe(true);
    await client.tokenRevocation(config, tokens.refresh_token!);
    expect((await client.tokenIntrospection(config, tokens.refresh_token!)).active).toBe(false);
    const refused = await oauthErrorOf(client.refreshTokenGrant(config, tokens.refresh_token!));
    expect(refused.error).toBe('invalid_grant');
  });

  it('answers inactive for garbage and for tokens issued to another app', async () => {
    const { tokens } = await signedInWebApp(foyer.issuer, EMAIL, PASSWORD);
    const daemon = await daemonClient(foyer.issuer);
    expect((await client.tokenIntrospection(daemon, 'not-a-token')).active).toBe(false);
    // The token is valid, but daemon-app may only introspect its own tokens.
    expect((await client.tokenIntrospection(daemon, tokens.access_token)).active).toBe(false);
  });

  it('ignores another app\'s attempt to revoke a token (200, as RFC 7009 asks, but the token stays active)', async () => {
    const { config, tokens } = await signedInWebApp(foyer.issuer, EMAIL, PASSWORD);
    const daemon = await daemonClient(foyer.issuer);
    await client.tokenRevocation(daemon, tokens.access_token);
    expect((await client.tokenIntrospection(config, tokens.access_token)).active).toBe(true);
  });

  it('revoking an access token revokes its whole grant, refresh token included', async () => {
    const { config, tokens } = await signedInWebApp(foyer.issuer, EMAIL, PASSWORD);
    await client.tokenRevocation(config, tokens.access_token);
    // oidc-provider treats revoking either token as "the user is done with this app".
    expect((await client.tokenIntrospection(config, tokens.refresh_token!)).active).toBe(false);
  });

  it('refuses to introspect or revoke JWT access tokens (APIs verify them offline until they expire)', async () => {
    const daemon = await daemonClient(foyer.issuer);
    const { access_token } = await client.clientCredentialsGrant(daemon, { resource: API_RESOURCE, scope: 'read' });
    const introspect = await oauthErrorOf(client.tokenIntrospection(daemon, access_token));
    expect(introspect).toMatchObject({ error: 'unsupported_token_type', status: 400 });
    const revoke = await oauthErrorOf(client.tokenRevocation(daemon, access_token));
    expect(revoke).toMatchObject({ error: 'unsupported_token_type', status: 400 });
  });

  it('does not tell a public client anything about a token', async () => {
    const { tokens } = await signedInWebApp(foyer.issuer, EMAIL, PASSWORD);
    const spa = await spaClient(foyer.issuer);
    expect(await client.tokenIntrospection(spa, tokens.access_token)).toEqual({ active: false });
  });
});
