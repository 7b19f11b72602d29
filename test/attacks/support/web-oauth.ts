/**
 * The attacker's raw OAuth calls, for tests that must send what no well-behaved client library
 * would (a code twice, another client's code, a wrong verifier): the token, userinfo and
 * revocation endpoints over plain fetch, plus a sign-in walk that stops at the app's redirect_uri
 * with the code in hand, unredeemed.
 */
import type * as client from 'openid-client';
import { expect } from 'vitest';
import { leakedInternals, type Browser, type Page } from '../../support/browserless.js';
import { isConsentPage, isIdentifyPage, isPasswordPage, startAuthorization, WEB_APP, type PendingAuthorization } from '../../support/oidc-client.js';
import { DEMO_SECRET } from '../../support/start-foyer.js';

export interface ClientAuth {
  clientId: string;
  /** Omitted for a public client (the client_id goes in the body instead). */
  secret?: string;
}

export const WEB: ClientAuth = { clientId: 'web-app', secret: DEMO_SECRET };

export interface OAuthResponse {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

/** A form POST to one of Foyer's OAuth endpoints, authenticated as `auth`. */
export async function oauthPost(issuer: string, path: '/token' | '/token/revocation' | '/token/introspection', auth: ClientAuth, params: Record<string, string>): Promise<OAuthResponse> {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
  const body = new URLSearchParams(params);
  if (auth.secret) headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(auth.clientId)}:${encodeURIComponent(auth.secret)}`).toString('base64')}`;
  else body.set('client_id', auth.clientId);
  const res = await fetch(`${issuer}${path}`, { method: 'POST', headers, body });
  const text = await res.text();
  expect(leakedInternals(text)).toBeUndefined();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {}, headers: res.headers };
}

/** The authorization_code grant, exactly as given (no state or nonce checks: the attacker does not care). */
export function redeemCode(issuer: string, auth: ClientAuth, code: string, extra: Record<string, string> = {}): Promise<OAuthResponse> {
  return oauthPost(issuer, '/token', auth, { grant_type: 'authorization_code', code, redirect_uri: WEB_APP.redirectUri, ...extra });
}

export function refresh(issuer: string, auth: ClientAuth, refreshToken: string): Promise<OAuthResponse> {
  return oauthPost(issuer, '/token', auth, { grant_type: 'refresh_token', refresh_token: refreshToken });
}

/** GET /me with a bearer token: the status, and the error from WWW-Authenticate when refused. */
export async function userinfo(issuer: string, accessToken: string): Promise<{ status: number; error?: string; sub?: string }> {
  const res = await fetch(`${issuer}/me`, { headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' } });
  const text = await res.text();
  expect(leakedInternals(text)).toBeUndefined();
  const error = /error="([^"]+)"/.exec(res.headers.get('www-authenticate') ?? '')?.[1];
  return { status: res.status, ...(error ? { error } : {}), ...(res.ok ? { sub: (JSON.parse(text) as { sub: string }).sub } : {}) };
}

export interface Code {
  code: string;
  callbackUrl: string;
  pending: PendingAuthorization;
}

/**
 * Walks one authorization in `browser` (the email step, the password form, consent when shown)
 * until Foyer redirects to the app, and returns the code without redeeming it. With a session in
 * the browser it is single sign-on: no page at all.
 */
export async function authorizationCode(browser: Browser, config: client.Configuration, opts: { email: string; password: string; params?: Record<string, string> }): Promise<Code> {
  const redirectUri = opts.params?.redirect_uri ?? WEB_APP.redirectUri;
  const pending = await startAuthorization(config, opts.params);
  let page: Page & { stoppedAt?: string } = await browser.navigate(pending.url.href, { stopAt: [redirectUri] });
  for (let step = 0; step < 5 && !page.stoppedAt; step++) {
    if (isIdentifyPage(page)) page = await browser.submit(page, { email: opts.email }, { stopAt: [redirectUri] });
    else if (isPasswordPage(page)) page = await browser.submit(page, { email: opts.email, password: opts.password }, { stopAt: [redirectUri] });
    else if (isConsentPage(page)) page = await browser.submit(page, {}, { stopAt: [redirectUri] });
    else throw new Error(`unexpected page during sign-in: ${page.status} ${page.url}\n${page.body.slice(0, 800)}`);
  }
  if (!page.stoppedAt) throw new Error(`the sign-in did not return to the app; last page ${page.status} ${page.url}`);
  const code = new URL(page.stoppedAt).searchParams.get('code');
  if (!code) throw new Error(`no code at the redirect_uri: ${page.stoppedAt}`);
  return { code, callbackUrl: page.stoppedAt, pending };
}
