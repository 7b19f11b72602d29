import * as client from 'openid-client';
import { beforeAll, describe, expect, it } from 'vitest';
import { Browser } from '../support/browserless.js';
import { finishAuthorization, oauthErrorOf, signIn, spaClient, SPA_APP, WEB_APP, webAppClient } from '../support/oidc-client.js';
import { useFoyer } from '../support/world.js';

const EMAIL = 'olive@contoso.example';
const PASSWORD = 'offline access please 7';

// mod_auth_openidc's usual OIDCScope; it sends the same scope again with every refresh.
const WITH_OFFLINE = 'openid email offline_access';

describe('refresh with and without offline_access (apps such as mod_auth_openidc send their scope again on refresh)', () => {
  const foyer = useFoyer();
  let memberId: string;

  beforeAll(async () => {
    memberId = await foyer.createMember(EMAIL, PASSWORD);
  });

  it('a first-party app that asked for offline_access keeps it, and can refresh asking for the same scope', async () => {
    const config = await webAppClient(foyer.issuer);
    const { tokens } = await signIn(new Browser(), config, { email: EMAIL, password: PASSWORD, params: { scope: WITH_OFFLINE } });
    expect(tokens.scope?.split(' ')).toContain('offline_access');
    expect(tokens.refresh_token).toBeTruthy();

    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!, { scope: WITH_OFFLINE });
    expect(refreshed.claims()).toMatchObject({ sub: memberId, email: EMAIL });
    expect(refreshed.scope?.split(' ')).toEqual(expect.arrayContaining(['openid', 'email', 'offline_access']));
    // The rotated token carries the scope on, so the next refresh works the same way.
    const again = await client.refreshTokenGrant(config, refreshed.refresh_token!, { scope: WITH_OFFLINE });
    expect(again.claims()!.sub).toBe(memberId);
    // And without a scope parameter (what openid-client sends by default).
    const plain = await client.refreshTokenGrant(config, again.refresh_token!);
    expect(plain.claims()!.sub).toBe(memberId);
  });

  it('keeps it through a pushed authorization request (PAR) as well', async () => {
    const config = await webAppClient(foyer.issuer);
    const pending = { codeVerifier: client.randomPKCECodeVerifier(), state: client.randomState(), nonce: client.randomNonce() };
    const url = await client.buildAuthorizationUrlWithPAR(config, {
      redirect_uri: WEB_APP.redirectUri,
      scope: WITH_OFFLINE,
      code_challenge: await client.calculatePKCECodeChallenge(pending.codeVerifier),
      code_challenge_method: 'S256',
      state: pending.state,
      nonce: pending.nonce,
    });
    expect(url.searchParams.get('request_uri')).toMatch(/^urn:ietf:params:oauth:request_uri:/);
    const browser = new Browser();
    const identify = await browser.navigate(url.href, { stopAt: [WEB_APP.redirectUri] });
    const passwordForm = await browser.submit(identify, { email: EMAIL });
    const done = await browser.submit(passwordForm, { email: EMAIL, password: PASSWORD }, { stopAt: [WEB_APP.redirectUri] });
    const tokens = await finishAuthorization(config, done.stoppedAt!, { url, ...pending });
    expect(tokens.scope?.split(' ')).toContain('offline_access');
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!, { scope: WITH_OFFLINE });
    expect(refreshed.claims()!.sub).toBe(memberId);
  });

  it('a first-party app that did not ask for offline_access still refreshes, but cannot widen its scope on refresh', async () => {
    const config = await webAppClient(foyer.issuer);
    const { tokens } = await signIn(new Browser(), config, { email: EMAIL, password: PASSWORD, params: { scope: 'openid email' } });
    expect(tokens.scope?.split(' ')).not.toContain('offline_access');
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!, { scope: 'openid email' });
    expect(refreshed.claims()!.sub).toBe(memberId);

    const wider = await oauthErrorOf(client.refreshTokenGrant(config, refreshed.refresh_token!, { scope: WITH_OFFLINE }));
    expect(wider).toMatchObject({ error: 'invalid_scope', status: 400 });
    // The refused request used nothing up: the token still refreshes for what was granted.
    const still = await client.refreshTokenGrant(config, refreshed.refresh_token!);
    expect(still.claims()!.sub).toBe(memberId);
  });

  it('a third-party app does not get offline access without the consent prompt: no refresh token', async () => {
    const config = await spaClient(foyer.issuer);
    const params = { redirect_uri: SPA_APP.redirectUri, scope: WITH_OFFLINE };
    const { tokens, sawConsent } = await signIn(new Browser(), config, { email: EMAIL, password: PASSWORD, params });
    expect(sawConsent).toBe(true);
    expect(tokens.scope?.split(' ')).not.toContain('offline_access');
    expect(tokens.refresh_token).toBeUndefined();
  });
});
