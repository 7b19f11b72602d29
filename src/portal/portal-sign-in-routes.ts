import { createHash, randomBytes } from 'node:crypto';
import { Router } from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { HttpError } from '../http/http-error.js';
import { PORTAL_CLIENT_ID, portalRedirectUri } from './portal-client.js';
import { writePortalSession } from './portal-session.js';

const LOGIN_COOKIE = 'foyer.portal.login';
const LOGIN_TTL_MS = 10 * 60 * 1000;
const SESSION_TTL_MS = 8 * 3600 * 1000;

interface PendingLogin {
  state: string;
  verifier: string;
  nonce: string;
  /** Where to go after sign-in: a /myapps path or a URL already checked against registered apps. */
  returnTo: string;
}

/**
 * The portal signs in like any app, with the authorization code flow and PKCE, but redeems the
 * code in-process (it is part of the provider) instead of calling its own token endpoint over
 * the network, which a proxy in front of Foyer might not allow.
 */
export function portalSignInRoutes(deps: { provider: Provider; issuer: string; secureCookies: boolean }): Router {
  const { provider, issuer } = deps;
  const router = new Router();

  router.get('/myapps/callback', async (ctx) => {
    const pending = readPending(ctx);
    ctx.cookies.set(LOGIN_COOKIE, null, { path: '/myapps', signed: true });
    if (typeof ctx.query.error === 'string') {
      throw new HttpError(400, 'signInCancelled', 'Sign-in was cancelled or refused. Open My Apps to try again.');
    }
    if (!pending || ctx.query.state !== pending.state || typeof ctx.query.code !== 'string') {
      throw new HttpError(400, 'signInStateMismatch', 'This sign-in response does not belong to this browser. Open My Apps to sign in again.');
    }
    const code = await provider.AuthorizationCode.find(ctx.query.code);
    const challenge = createHash('sha256').update(pending.verifier).digest('base64url');
    if (!code || code.isExpired || (code as { consumed?: unknown }).consumed || code.clientId !== PORTAL_CLIENT_ID || code.redirectUri !== portalRedirectUri(issuer) || code.codeChallenge !== challenge || code.nonce !== pending.nonce || !code.sessionUid || !code.accountId) {
      throw new HttpError(400, 'invalidAuthorizationCode', 'The sign-in could not be completed. Open My Apps to sign in again.');
    }
    await code.consume();
    const proof = code as { authTime?: number; amr?: string[] };
    writePortalSession(ctx, { accountId: code.accountId, sessionUid: code.sessionUid, expiresAt: Date.now() + SESSION_TTL_MS, authTime: proof.authTime, amr: proof.amr }, deps.secureCookies);
    ctx.redirect(pending.returnTo);
  });

  return router;
}

/** Starts a portal sign-in and returns the authorization URL to send the browser to. */
export function beginPortalSignIn(
  ctx: Context,
  opts: {
    issuer: string;
    returnTo: string;
    loginHint?: string;
    secureCookies: boolean;
    /** Re-authentication: sign in again even with a session, at this assurance. */
    reauthenticate?: { acrValues?: string };
    /** The caller's own nonce, to recognise this one authorization request later (the redemption cookie). */
    nonce?: string;
    /** ui_locales: the language the sign-in pages speak (an invitation's messageLanguage). */
    uiLocales?: string | null;
  },
): string {
  const pending: PendingLogin = {
    state: randomBytes(16).toString('base64url'),
    verifier: randomBytes(32).toString('base64url'),
    nonce: opts.nonce ?? randomBytes(16).toString('base64url'),
    returnTo: opts.returnTo,
  };
  ctx.cookies.set(LOGIN_COOKIE, Buffer.from(JSON.stringify(pending)).toString('base64url'), {
    httpOnly: true,
    sameSite: 'lax',
    secure: opts.secureCookies,
    signed: true,
    path: '/myapps',
    expires: new Date(Date.now() + LOGIN_TTL_MS),
  });
  const url = new URL(`${opts.issuer}/auth`);
  url.search = new URLSearchParams({
    client_id: PORTAL_CLIENT_ID,
    response_type: 'code',
    scope: 'openid',
    redirect_uri: portalRedirectUri(opts.issuer),
    state: pending.state,
    nonce: pending.nonce,
    code_challenge: createHash('sha256').update(pending.verifier).digest('base64url'),
    code_challenge_method: 'S256',
    ...(opts.loginHint ? { login_hint: opts.loginHint } : {}),
    ...(opts.uiLocales ? { ui_locales: opts.uiLocales } : {}),
    ...(opts.reauthenticate ? { prompt: 'login', ...(opts.reauthenticate.acrValues ? { acr_values: opts.reauthenticate.acrValues } : {}) } : {}),
  }).toString();
  return url.toString();
}

function readPending(ctx: Context): PendingLogin | undefined {
  const raw = ctx.cookies.get(LOGIN_COOKIE, { signed: true });
  if (!raw) return undefined;
  try {
    return JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as PendingLogin;
  } catch {
    return undefined;
  }
}
