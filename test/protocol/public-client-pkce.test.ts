import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, headingOf } from '../support/browserless.js';
import { callbackError, isConsentPage, openPasswordForm, signIn, SPA_APP, spaClient } from '../support/oidc-client.js';
import { startFoyer, type RunningFoyer } from '../support/start-foyer.js';

const EMAIL = 'bob@contoso.example';
const PASSWORD = 'public client password 1';

/** The authorization request a public app would send, with `overrides` applied (undefined removes a parameter). */
function authorizeUrl(issuer: string, overrides: Record<string, string | undefined>): string {
  const url = new URL(`${issuer}/auth`);
  const params: Record<string, string | undefined> = {
    client_id: SPA_APP.id,
    redirect_uri: SPA_APP.redirectUri,
    response_type: 'code',
    scope: 'openid email',
    state: 'state-123',
    ...overrides,
  };
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
  return url.href;
}

describe('public client (spa-app) must use PKCE S256 and gets a consent page', () => {
  let foyer: RunningFoyer;
  let memberId: string;
  let config: client.Configuration;

  beforeAll(async () => {
    foyer = await startFoyer();
    memberId = await foyer.createMember(EMAIL, PASSWORD);
    config = await spaClient(foyer.issuer);
  });
  afterAll(() => foyer?.stop());

  it('refuses an authorization request without code_challenge: the app gets invalid_request and no code', async () => {
    const page = await new Browser().navigate(authorizeUrl(foyer.issuer, {}), { stopAt: [SPA_APP.redirectUri] });
    expect(page.stoppedAt).toBeDefined();
    const error = callbackError(page.stoppedAt!);
    expect(error).toMatchObject({ error: 'invalid_request', state: 'state-123' });
    expect(error!.description).toMatch(/PKCE/);
    expect(new URL(page.stoppedAt!).searchParams.has('code')).toBe(false);
  });

  it('refuses the "plain" code_challenge_method', async () => {
    const verifier = client.randomPKCECodeVerifier();
    const url = authorizeUrl(foyer.issuer, { code_challenge: verifier, code_challenge_method: 'plain' });
    const page = await new Browser().navigate(url, { stopAt: [SPA_APP.redirectUri] });
    expect(page.stoppedAt).toBeDefined();
    expect(callbackError(page.stoppedAt!)?.error).toBe('invalid_request');
    expect(new URL(page.stoppedAt!).searchParams.has('code')).toBe(false);
  });

  it('with S256 shows the login form, then the consent page naming the app and scopes, and no code before consent', async () => {
    const browser = new Browser();
    const { page: login } = await openPasswordForm(browser, config, EMAIL, { redirect_uri: SPA_APP.redirectUri });
    const consent = await browser.submit(login, { email: EMAIL, password: PASSWORD }, { stopAt: [SPA_APP.redirectUri] });
    expect(consent.stoppedAt).toBeUndefined();
    expect(isConsentPage(consent)).toBe(true);
    expect(headingOf(consent.body)).toBe('Allow Public SPA to access your account?');
    expect(consent.body).toContain('See your email address');
    expect(consent.body).toContain(EMAIL);
  });

  it('issues tokens after consent, and does not ask again for what was already granted', async () => {
    const browser = new Browser();
    const params = { redirect_uri: SPA_APP.redirectUri };
    const first = await signIn(browser, config, { email: EMAIL, password: PASSWORD, params });
    expect(first).toMatchObject({ sawLogin: true, sawConsent: true });
    expect(first.tokens.claims()!.sub).toBe(memberId);
    expect(first.tokens.access_token).toBeTruthy();
    // A third-party app gets no refresh token unless it asks for offline_access.
    expect(first.tokens.refresh_token).toBeUndefined();

    const second = await signIn(browser, config, { email: EMAIL, password: PASSWORD, params });
    expect(second).toMatchObject({ sawLogin: false, sawConsent: false });
  });

  it('asks for consent again when the app wants more than was granted', async () => {
    const browser = new Browser();
    const narrow = await signIn(browser, config, {
      email: EMAIL,
      password: PASSWORD,
      params: { redirect_uri: SPA_APP.redirectUri, scope: 'openid email' },
    });
    expect(narrow.sawConsent).toBe(true);
    expect(narrow.tokens.claims()!.name).toBeUndefined();
    const wider = await signIn(browser, config, {
      email: EMAIL,
      password: PASSWORD,
      params: { redirect_uri: SPA_APP.redirectUri, scope: 'openid email profile' },
    });
    expect(wider).toMatchObject({ sawLogin: false, sawConsent: true });
    expect(wider.tokens.claims()!.name).toBe('bob');
  });
});
