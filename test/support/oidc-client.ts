/**
 * The relying-app side of the tests, played by openid-client v6 against a running Foyer, plus the
 * sign-in walk that joins it to the browserless browser.
 */
import * as client from 'openid-client';
import { Browser, headingOf, parseForms, type Page } from './browserless.js';
import { DEMO_SECRET } from './start-foyer.js';

export const WEB_APP = { id: 'web-app', redirectUri: 'http://127.0.0.1:9999/callback', postLogoutRedirectUri: 'http://127.0.0.1:9999/' };
export const SPA_APP = { id: 'spa-app', redirectUri: 'http://127.0.0.1:9998/callback' };
export const API_RESOURCE = 'https://api.contoso.example';

/** Foyer runs on http://127.0.0.1; ID tokens are verified against JWKS (not only their claims). */
const execute = [client.allowInsecureRequests, client.enableNonRepudiationChecks];

/** The confidential, first-party `web-app` (client_secret_basic). */
export function webAppClient(issuer: string): Promise<client.Configuration> {
  return client.discovery(new URL(issuer), WEB_APP.id, DEMO_SECRET, client.ClientSecretBasic(DEMO_SECRET), { execute });
}

/** The public, third-party `spa-app` (no client authentication; PKCE required). */
export function spaClient(issuer: string): Promise<client.Configuration> {
  return client.discovery(new URL(issuer), SPA_APP.id, undefined, client.None(), { execute });
}

/** The `daemon-app` (client_credentials only), optionally with a wrong secret. */
export function daemonClient(issuer: string, secret = DEMO_SECRET): Promise<client.Configuration> {
  return client.discovery(new URL(issuer), 'daemon-app', secret, client.ClientSecretBasic(secret), { execute });
}

/** What the app remembers between sending the user away and getting them back. */
export interface PendingAuthorization {
  url: URL;
  codeVerifier: string;
  state: string;
  nonce: string;
}

/** An authorization request with PKCE S256, state and nonce; `params` override or add parameters. */
export async function startAuthorization(
  config: client.Configuration,
  params: Record<string, string> = {},
): Promise<PendingAuthorization> {
  const codeVerifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: WEB_APP.redirectUri,
    scope: 'openid email profile',
    code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...params,
  });
  return { url, codeVerifier, state, nonce };
}

/** The app's callback: exchanges the code, checking state, nonce, PKCE and the ID token. */
export function finishAuthorization(config: client.Configuration, callbackUrl: string, pending: PendingAuthorization) {
  return client.authorizationCodeGrant(config, new URL(callbackUrl), {
    pkceCodeVerifier: pending.codeVerifier,
    expectedState: pending.state,
    expectedNonce: pending.nonce,
    idTokenExpected: true,
  });
}

const firstFormAction = (page: Page) => parseForms(page.body)[0]?.action ?? '';

/** The identifier-first page: "Sign in" asking only for the email (posts to /interaction/:uid/identify). */
export const isIdentifyPage = (page: Page) => page.status === 200 && headingOf(page.body) === 'Sign in' && firstFormAction(page).endsWith('/identify');
/** The password form members get once their email is known (posts to /interaction/:uid/login). */
export const isPasswordPage = (page: Page) => page.status === 200 && headingOf(page.body) === 'Sign in' && firstFormAction(page).endsWith('/login');
/** Any page that asks the person to sign in (so: not single sign-on). */
export const isLoginPage = (page: Page) => isIdentifyPage(page) || isPasswordPage(page);
export const isConsentPage = (page: Page) => page.status === 200 && /^Allow .* to access your account\?$/.test(headingOf(page.body) ?? '');

export interface SignInOptions {
  email: string;
  password: string;
  /** Extra or overriding authorization parameters (redirect_uri, scope, prompt, …). */
  params?: Record<string, string>;
}

export interface SignInResult {
  tokens: Awaited<ReturnType<typeof finishAuthorization>>;
  /** The pages the browser was shown on the way, by kind. */
  sawLogin: boolean;
  sawConsent: boolean;
  callbackUrl: string;
}

/**
 * A whole sign-in as a person does it: follow the app's redirect, fill in the login form if it is
 * shown, allow on the consent page if it is shown, and hand the callback to the app.
 */
export async function signIn(browser: Browser, config: client.Configuration, opts: SignInOptions): Promise<SignInResult> {
  const redirectUri = opts.params?.redirect_uri ?? WEB_APP.redirectUri;
  const pending = await startAuthorization(config, opts.params);
  let page = await browser.navigate(pending.url.href, { stopAt: [redirectUri] });
  let sawLogin = false;
  let sawConsent = false;
  for (let step = 0; step < 5 && !page.stoppedAt; step++) {
    if (isIdentifyPage(page)) {
      sawLogin = true;
      page = await browser.submit(page, { email: opts.email }, { stopAt: [redirectUri] });
    } else if (isPasswordPage(page)) {
      sawLogin = true;
      page = await browser.submit(page, { email: opts.email, password: opts.password }, { stopAt: [redirectUri] });
    } else if (isConsentPage(page)) {
      sawConsent = true;
      page = await browser.submit(page, {}, { stopAt: [redirectUri] });
    } else {
      throw new Error(`unexpected page during sign-in: ${page.status} ${page.url}\n${page.body.slice(0, 800)}`);
    }
  }
  if (!page.stoppedAt) throw new Error(`sign-in did not return to the app; last page ${page.status} ${page.url}`);
  const tokens = await finishAuthorization(config, page.stoppedAt, pending);
  return { tokens, sawLogin, sawConsent, callbackUrl: page.stoppedAt };
}

/** The error an app receives on its redirect_uri (`error`, `error_description`, `state`), or undefined. */
export function callbackError(callbackUrl: string): { error: string; description?: string; state?: string } | undefined {
  const params = new URL(callbackUrl).searchParams;
  const error = params.get('error');
  return error ? { error, description: params.get('error_description') ?? undefined, state: params.get('state') ?? undefined } : undefined;
}

/** A fresh browser plus the web app's client configuration, for tests that need one sign-in; `params` add to or override the authorization request. */
export async function signedInWebApp(issuer: string, email: string, password: string, params?: Record<string, string>) {
  const browser = new Browser();
  const config = await webAppClient(issuer);
  const result = await signIn(browser, config, { email, password, params });
  return { browser, config, ...result };
}

/** The OAuth error a call failed with (from a token-endpoint-style body or an authorization response). */
export async function oauthErrorOf(promise: Promise<unknown>): Promise<{ error: string; status?: number; description?: string }> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof client.ResponseBodyError) return { error: err.error, status: err.status, description: err.error_description };
    if (err instanceof client.AuthorizationResponseError) return { error: err.error, description: err.error_description };
    // A 401 carries the error in its WWW-Authenticate challenge (and openid-client reports that first).
    if (err instanceof client.WWWAuthenticateChallengeError) {
      const params = err.cause[0]?.parameters;
      return { error: params?.error ?? 'unknown', status: err.status, description: params?.error_description };
    }
    throw err;
  }
  throw new Error('expected the request to be refused, but it succeeded');
}

/** Starts a sign-in in `browser` and returns the first sign-in page (the email step, or the password form with a login_hint). */
export async function openSignIn(browser: Browser, config: client.Configuration, params: Record<string, string> = {}) {
  const pending = await startAuthorization(config, params);
  const page = await browser.navigate(pending.url.href, { stopAt: [params.redirect_uri ?? WEB_APP.redirectUri] });
  if (!isLoginPage(page)) throw new Error(`expected a sign-in page, got ${page.status} ${page.url}${page.stoppedAt ? ` → ${page.stoppedAt}` : ''}`);
  const uid = /\/interaction\/([^/?#]+)/.exec(page.url)?.[1];
  if (!uid) throw new Error(`the sign-in page is not at /interaction/:uid but at ${page.url}`);
  return { page, pending, uid };
}

/** Starts a sign-in and types `email` on the email step: returns the password form a member gets. */
export async function openPasswordForm(browser: Browser, config: client.Configuration, email: string, params: Record<string, string> = {}) {
  const start = await openSignIn(browser, config, params);
  const page = isPasswordPage(start.page) ? start.page : await browser.submit(start.page, { email });
  if (!isPasswordPage(page)) throw new Error(`expected the password form for ${email}, got ${page.status} ${page.url}\n${page.body.slice(0, 600)}`);
  return { ...start, page };
}
