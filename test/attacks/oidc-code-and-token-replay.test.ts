import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as client from 'openid-client';
import { api } from '../support/api-client.js';
import { Browser, errorCodeOf } from '../support/browserless.js';
import { callbackError, spaClient, SPA_APP, startAuthorization, webAppClient } from '../support/oidc-client.js';
import { DEMO_SECRET, startFoyer, type RunningFoyer } from '../support/start-foyer.js';
import { authorizationCode, redeemCode, oauthPost, refresh, userinfo, WEB, type ClientAuth } from './support/web-oauth.js';
import { providerCounts } from './support/web-snapshot.js';

/**
 * Replaying what Foyer's own token endpoint hands out: an authorization code twice, a code by an
 * app it was not issued to, a code without its PKCE verifier, a rotated-out refresh token, a revoked
 * access token, and codes replayed at My Apps' callback (which redeems them in-process,
 * src/portal/portal-sign-in-routes.ts: single use, its own client, PKCE and nonce). oidc-provider's rules stop each (codes and refresh tokens are single use and bound
 * to the client; PKCE S256; reuse revokes the grant); these tests hold Foyer's configuration to them.
 */
const PASSWORD = 'replay attacks fail 42';
const ADMIN = 'ada@contoso.example';
const MEMBER = 'max@contoso.example';
/** Another confidential app registered with the same redirect URI: only the client binding stops it. */
const OTHER: ClientAuth = { clientId: 'other-app', secret: DEMO_SECRET };

let foyer: RunningFoyer;
let issuer: string;
let web: client.Configuration;
let adminId: string;

beforeAll(async () => {
  foyer = await startFoyer((config) => {
    (config.apps as Record<string, unknown>[]).push({
      id: OTHER.clientId,
      displayName: 'Other App',
      clientSecret: DEMO_SECRET,
      redirectUris: ['http://127.0.0.1:9999/callback'],
      grantTypes: ['authorization_code', 'refresh_token'],
      firstParty: true,
    });
  });
  issuer = foyer.issuer;
  adminId = await foyer.createMember(ADMIN, PASSWORD, { admin: true });
  await foyer.createMember(MEMBER, PASSWORD);
  web = await webAppClient(issuer);
});
afterAll(() => foyer?.stop());

const codeFor = (email: string, params?: Record<string, string>, browser = new Browser()) => authorizationCode(browser, web, { email, password: PASSWORD, params });
const verifierOf = (c: { pending: { codeVerifier: string } }) => ({ code_verifier: c.pending.codeVerifier });

describe('authorization codes', () => {
  it('a code redeemed a second time is refused, and the tokens of the first redemption stop working', async () => {
    const issued = await codeFor(MEMBER);
    const first = await redeemCode(issuer, WEB, issued.code, verifierOf(issued));
    expect(first.status).toBe(200);
    const { access_token: accessToken, refresh_token: refreshToken } = first.body as { access_token: string; refresh_token: string };
    expect((await userinfo(issuer, accessToken)).status).toBe(200);

    const replay = await redeemCode(issuer, WEB, issued.code, verifierOf(issued));
    expect([replay.status, replay.body.error]).toEqual([400, 'invalid_grant']);
    expect(replay.body.access_token).toBeUndefined();
    // RFC 6749 4.1.2: a replayed code means someone else holds it; what it bought is revoked.
    expect(await userinfo(issuer, accessToken)).toMatchObject({ status: 401, error: 'invalid_token' });
    expect((await refresh(issuer, WEB, refreshToken)).body.error).toBe('invalid_grant');
  });

  it('the API access token (a JWT) of the first redemption stops working at /v1.0 too when the code is replayed', async () => {
    const issued = await codeFor(ADMIN, { resource: `${issuer}/v1.0`, scope: 'openid User.Read.All' });
    const first = await redeemCode(issuer, WEB, issued.code, verifierOf(issued));
    const apiToken = String(first.body.access_token);
    expect((await api(issuer, apiToken, 'GET', `/users/${adminId}`)).status).toBe(200);

    expect((await redeemCode(issuer, WEB, issued.code, verifierOf(issued))).body.error).toBe('invalid_grant');
    // The grant is gone (oidc-provider revoked it), but the API verifies JWTs offline and never asks.
    const after = await api(issuer, apiToken, 'GET', `/users/${adminId}`);
    expect(after.status).toBe(401);
  });

  it('a code presented by another registered app (its own valid secret, the same redirect URI) is refused, and stays the rightful app’s', async () => {
    const issued = await codeFor(MEMBER);
    const before = await providerCounts(foyer.foyer.db);
    const stolen = await redeemCode(issuer, OTHER, issued.code, verifierOf(issued));
    expect([stolen.status, stolen.body.error, stolen.body.access_token]).toEqual([400, 'invalid_grant', undefined]);
    expect(await providerCounts(foyer.foyer.db)).toEqual(before);
    // Nothing was used up: the app the code was issued to still redeems it.
    expect((await redeemCode(issuer, WEB, issued.code, verifierOf(issued))).status).toBe(200);
  });

  it('a code redeemed with a wrong PKCE verifier, or without one, is refused; only the right verifier redeems it', async () => {
    const issued = await codeFor(MEMBER);
    const before = await providerCounts(foyer.foyer.db);
    const wrong = await redeemCode(issuer, WEB, issued.code, { code_verifier: 'x'.repeat(43) });
    const missing = await redeemCode(issuer, WEB, issued.code);
    for (const refused of [wrong, missing]) expect([refused.status, refused.body.error, refused.body.access_token]).toEqual([400, 'invalid_grant', undefined]);
    expect(await providerCounts(foyer.foyer.db)).toEqual(before);
    expect((await redeemCode(issuer, WEB, issued.code, verifierOf(issued))).status).toBe(200);
  });

  it('a public app asking without a code_challenge gets no code at all', async () => {
    const browser = new Browser();
    await codeFor(MEMBER, undefined, browser);
    const spa = await spaClient(issuer);
    const pending = await startAuthorization(spa, { redirect_uri: SPA_APP.redirectUri });
    const url = new URL(pending.url);
    url.searchParams.delete('code_challenge');
    url.searchParams.delete('code_challenge_method');
    const before = await providerCounts(foyer.foyer.db);
    const page = await browser.navigate(url.href, { stopAt: [SPA_APP.redirectUri] });
    expect(callbackError(page.stoppedAt!)).toMatchObject({ error: 'invalid_request' });
    expect(new URL(page.stoppedAt!).searchParams.has('code')).toBe(false);
    expect((await providerCounts(foyer.foyer.db)).AuthorizationCode).toBe(before.AuthorizationCode);
  });
});

describe('refresh and access tokens', () => {
  it('a refresh token used again after rotation is refused, and its grant dies: the newest refresh token and its access token too', async () => {
    const issued = await codeFor(MEMBER);
    const first = (await redeemCode(issuer, WEB, issued.code, verifierOf(issued))).body as { refresh_token: string };
    const rotated = (await refresh(issuer, WEB, first.refresh_token)).body as { refresh_token: string; access_token: string };
    expect(rotated.refresh_token).toBeTruthy();
    expect((await userinfo(issuer, rotated.access_token)).status).toBe(200);

    const reuse = await refresh(issuer, WEB, first.refresh_token);
    expect([reuse.status, reuse.body.error, reuse.body.access_token]).toEqual([400, 'invalid_grant', undefined]);
    // Either holder of the chain may be the thief: both lose it, and the user signs in again.
    expect((await refresh(issuer, WEB, rotated.refresh_token)).body.error).toBe('invalid_grant');
    expect(await userinfo(issuer, rotated.access_token)).toMatchObject({ status: 401, error: 'invalid_token' });
  });

  it('an access token revoked by its app is refused at userinfo', async () => {
    const issued = await codeFor(MEMBER);
    const { access_token: accessToken } = (await redeemCode(issuer, WEB, issued.code, verifierOf(issued))).body as { access_token: string };
    expect((await userinfo(issuer, accessToken)).status).toBe(200);
    expect((await oauthPost(issuer, '/token/revocation', WEB, { token: accessToken, token_type_hint: 'access_token' })).status).toBe(200);
    expect(await userinfo(issuer, accessToken)).toMatchObject({ status: 401, error: 'invalid_token' });
  });

  it('another app “revoking” a user’s access token changes nothing, and cannot use it either', async () => {
    const issued = await codeFor(MEMBER);
    const { access_token: accessToken } = (await redeemCode(issuer, WEB, issued.code, verifierOf(issued))).body as { access_token: string };
    const before = await providerCounts(foyer.foyer.db);
    expect((await oauthPost(issuer, '/token/revocation', OTHER, { token: accessToken })).status).toBe(200);
    expect(await providerCounts(foyer.foyer.db)).toEqual(before);
    expect((await userinfo(issuer, accessToken)).status).toBe(200);
  });
});

describe('the code My Apps redeems in-process', () => {
  const CALLBACK = () => `${issuer}/myapps/callback`;

  /** A portal sign-in in `browser` as far as Foyer's redirect to the portal's callback (not followed). */
  async function portalCallback(browser: Browser): Promise<URL> {
    const first = await browser.navigate(`${issuer}/myapps`, { stopAt: [CALLBACK()] });
    if (first.stoppedAt) return new URL(first.stoppedAt);
    const password = await browser.submit(first, { email: MEMBER });
    return new URL((await browser.submit(password, { email: MEMBER, password: PASSWORD }, { stopAt: [CALLBACK()] })).stoppedAt!);
  }

  it('a used portal code, or another app’s code, delivered with a fresh sign-in’s state is refused and makes no portal session', async () => {
    const browser = new Browser();
    const used = await portalCallback(browser);
    expect((await browser.request(used.href)).status).toBe(302);
    browser.forget(issuer, (name) => name.startsWith('foyer.portal'));
    const webCode = (await codeFor(MEMBER, undefined, browser)).code;

    for (const code of [used.searchParams.get('code')!, webCode]) {
      const fresh = await portalCallback(browser);
      const res = await browser.request(`${CALLBACK()}?${new URLSearchParams({ code, state: fresh.searchParams.get('state')! })}`);
      expect([res.status, errorCodeOf(await res.text())]).toEqual([400, 'invalidAuthorizationCode']);
      expect(browser.cookiesFor(`${issuer}/myapps`)['foyer.portal']).toBeUndefined();
    }
  });
});
