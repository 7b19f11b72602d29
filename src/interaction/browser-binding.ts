import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context } from 'koa';
import { hostCookieName } from '../http/host-cookie.js';

// Over https `__Host-foyer.browser`: a sibling subdomain cannot plant its own binding value (host-cookie.ts).
const cookieName = (secure: boolean) => hostCookieName('foyer.browser', secure);
const VALUE = /^[A-Za-z0-9_-]{43}$/;
// Long enough for any sign-in in progress; renewed at every upstream start.
const MAX_AGE_MS = 24 * 3600 * 1000;

/**
 * Ties an upstream sign-in (OIDC or GitHub redirect, SAML AuthnRequest, emailed passcode) to the
 * browser that started it (DESIGN.md: every upstream response is bound to the browser that started
 * that sign-in). A random value lives in an HttpOnly cookie of this browser; the pending record keeps
 * only its hash. The upstream's answer is accepted only from a browser that presents the value, so a
 * sign-in link an attacker started and sent to someone else cannot carry that person's identity back
 * into the attacker's sign-in, and an attacker's own finished response cannot be planted in a
 * victim's browser.
 *
 * The cookie is SameSite=Lax: top-level GET redirects from the IdP (OIDC, GitHub) carry it; a SAML IdP's
 * or Apple's (form_post) cross-site POST does not, so the ACS bounces that POST once through a same-site page
 * (views/form-post-hop.eta) before checking.
 */
export function bindToBrowser(ctx: Context, secure: boolean): string {
  let value = ctx.cookies.get(cookieName(secure));
  if (!value || !VALUE.test(value)) value = randomBytes(32).toString('base64url');
  ctx.cookies.set(cookieName(secure), value, { httpOnly: true, sameSite: 'lax', secure, signed: false, path: '/', maxAge: MAX_AGE_MS });
  return hashOf(value);
}

/**
 * A new binding value whatever the browser had (an IdP-initiated sign-in starts here, so nothing an
 * earlier page of this browser saw can match it); returns its hash.
 */
export function rebindBrowser(ctx: Context, secure: boolean): string {
  const value = randomBytes(32).toString('base64url');
  ctx.cookies.set(cookieName(secure), value, { httpOnly: true, sameSite: 'lax', secure, signed: false, path: '/', maxAge: MAX_AGE_MS });
  return hashOf(value);
}

/** The hash of this browser's binding value, or undefined when it presents none. */
export function browserBindingOf(ctx: Context, secure: boolean): string | undefined {
  const value = ctx.cookies.get(cookieName(secure));
  return value && VALUE.test(value) ? hashOf(value) : undefined;
}

/** Whether this request comes from the browser whose binding hash the pending record holds. */
export function isSameBrowser(ctx: Context, bindingHash: string | undefined, secure: boolean): boolean {
  const value = ctx.cookies.get(cookieName(secure));
  if (!bindingHash || !value || !VALUE.test(value)) return false;
  const a = Buffer.from(hashOf(value));
  const b = Buffer.from(bindingHash);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Whether the request carries a binding cookie at all (a SAML POST without one needs the same-site hop). */
export function hasBrowserBinding(ctx: Context, secure: boolean): boolean {
  return VALUE.test(ctx.cookies.get(cookieName(secure)) ?? '');
}

function hashOf(value: string): string {
  return createHash('sha256').update(`foyer-browser-binding\0${value}`).digest('base64url');
}
