import * as client from 'openid-client';
import { beforeAll, describe, expect, it } from 'vitest';
import { oauthErrorOf, signedInWebApp, spaClient } from '../support/oidc-client.js';
import { useFoyer } from '../support/world.js';

const EMAIL = 'carol@contoso.example';
const PASSWORD = 'rotate me please 42';

describe('refresh tokens rotate on every use', () => {
  const foyer = useFoyer();
  let memberId: string;

  beforeAll(async () => {
    memberId = await foyer.createMember(EMAIL, PASSWORD);
  });

  it('gives a first-party app a refresh token without offline_access', async () => {
    const { tokens } = await signedInWebApp(foyer.issuer, EMAIL, PASSWORD);
    expect(tokens.scope?.split(' ')).not.toContain('offline_access');
    expect(tokens.refresh_token).toBeTruthy();
  });

  it('returns a new refresh token and a fresh ID token for the same member', async () => {
    const { config, tokens } = await signedInWebApp(foyer.issuer, EMAIL, PASSWORD);
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.refresh_token).toBeTruthy();
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    expect(refreshed.access_token).not.toBe(tokens.access_token);
    expect(refreshed.claims()).toMatchObject({ sub: memberId, acr: 'urn:foyer:acr:password', amr: ['pwd'] });
    // The new refresh token works in turn.
    const again = await client.refreshTokenGrant(config, refreshed.refresh_token!);
    expect(again.refresh_token).not.toBe(refreshed.refresh_token);
  });

  it('treats reuse of a rotated-out refresh token as theft: invalid_grant, and the whole grant is revoked', async () => {
    const { config, tokens } = await signedInWebApp(foyer.issuer, EMAIL, PASSWORD);
    const old = tokens.refresh_token!;
    const rotated = await client.refreshTokenGrant(config, old);

    const reuse = await oauthErrorOf(client.refreshTokenGrant(config, old));
    expect(reuse).toMatchObject({ error: 'invalid_grant', status: 400 });

    // oidc-provider cannot tell whether the legitimate app or an attacker replayed the old token,
    // so on reuse it destroys that token and revokes the grant it belongs to. The newest refresh
    // token (possibly the attacker's) dies with it, and so do the access tokens of that grant: the
    // user has to sign in again.
    const successor = await oauthErrorOf(client.refreshTokenGrant(config, rotated.refresh_token!));
    expect(successor).toMatchObject({ error: 'invalid_grant', status: 400 });
    const introspected = await client.tokenIntrospection(config, rotated.access_token);
    expect(introspected.active).toBe(false);
  });

  it('does not let another app redeem the refresh token, and the owner can still use it', async () => {
    const { config, tokens } = await signedInWebApp(foyer.issuer, EMAIL, PASSWORD);
    // spa-app is allowed the refresh_token grant too, so this is refused for the token, not the grant type.
    const refused = await oauthErrorOf(client.refreshTokenGrant(await spaClient(foyer.issuer), tokens.refresh_token!));
    expect(refused).toMatchObject({ error: 'invalid_grant', status: 400 });
    const owner = await client.refreshTokenGrant(config, tokens.refresh_token!);
    expect(owner.claims()!.sub).toBe(memberId);
  });
});
