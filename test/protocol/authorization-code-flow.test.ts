import * as client from 'openid-client';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser } from '../support/browserless.js';
import { finishAuthorization, oauthErrorOf, signIn, startAuthorization, WEB_APP, webAppClient } from '../support/oidc-client.js';
import { startFoyer, type RunningFoyer } from '../support/start-foyer.js';

const EMAIL = 'alice@contoso.example';
const PASSWORD = 'correct horse battery staple';

describe('member sign-in with authorization code + PKCE (confidential first-party app)', () => {
  let foyer: RunningFoyer;
  let memberId: string;
  let config: client.Configuration;
  const browser = new Browser();
  let first: Awaited<ReturnType<typeof signIn>>;

  beforeAll(async () => {
    foyer = await startFoyer();
    memberId = await foyer.createMember(EMAIL, PASSWORD, { name: 'Alice Example' });
    config = await webAppClient(foyer.issuer);
    first = await signIn(browser, config, { email: EMAIL, password: PASSWORD });
  });
  afterAll(() => foyer?.stop());

  it('shows the login form and no consent page for a first-party app', () => {
    expect(first.sawLogin).toBe(true);
    expect(first.sawConsent).toBe(false);
    // RFC 9207: the authorization response names its issuer (openid-client checks it too).
    expect(new URL(first.callbackUrl).searchParams.get('iss')).toBe(foyer.issuer);
  });

  it('issues an ID token signed with a published key whose sub is the member and which says how they signed in', async () => {
    const claims = first.tokens.claims()!;
    expect(claims.sub).toBe(memberId);
    expect(claims.iss).toBe(foyer.issuer);
    expect(claims.aud).toBe(WEB_APP.id);
    expect(claims.amr).toContain('pwd');
    expect(claims.acr).toBe('urn:foyer:acr:password');
    expect(claims.email).toBe(EMAIL);
    expect(claims.name).toBe('Alice Example');

    // openid-client already verified the signature (enableNonRepudiationChecks); check it independently too.
    const idToken = first.tokens.id_token!;
    expect(decodeProtectedHeader(idToken).alg).toBe('ES256');
    const { payload } = await jwtVerify(idToken, createRemoteJWKSet(new URL(`${foyer.issuer}/jwks`)), {
      issuer: foyer.issuer,
      audience: WEB_APP.id,
    });
    expect(payload.sub).toBe(memberId);
  });

  it('returns the member from userinfo with the access token', async () => {
    const info = await client.fetchUserInfo(config, first.tokens.access_token, memberId);
    expect(info).toMatchObject({ sub: memberId, email: EMAIL, email_verified: true });
  });

  it('signs the same browser in again without a form (SSO), to the same subject', async () => {
    const again = await signIn(browser, config, { email: EMAIL, password: 'not used' });
    expect(again.sawLogin).toBe(false);
    expect(again.sawConsent).toBe(false);
    expect(again.tokens.claims()!.sub).toBe(memberId);
  });

  it('redeems an authorization code only once', async () => {
    const pending = await startAuthorization(config);
    const page = await browser.navigate(pending.url.href, { stopAt: [WEB_APP.redirectUri] });
    expect(page.stoppedAt).toBeDefined();
    await finishAuthorization(config, page.stoppedAt!, pending);
    const replay = await oauthErrorOf(finishAuthorization(config, page.stoppedAt!, pending));
    expect(replay.error).toBe('invalid_grant');
  });

  it('refuses a code exchange with the wrong PKCE verifier', async () => {
    const pending = await startAuthorization(config);
    const page = await browser.navigate(pending.url.href, { stopAt: [WEB_APP.redirectUri] });
    const wrong = { ...pending, codeVerifier: client.randomPKCECodeVerifier() };
    const refused = await oauthErrorOf(finishAuthorization(config, page.stoppedAt!, wrong));
    expect(refused).toMatchObject({ error: 'invalid_grant', status: 400 });
  });
});
