import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context, Middleware } from 'koa';
import { hostCookieName } from './host-cookie.js';
import { HttpError } from './http-error.js';

/**
 * Double-submit CSRF protection for Foyer's HTML forms: a random token in an HttpOnly SameSite
 * cookie must come back in the form's `_csrf` field. A cross-site page can neither read the cookie
 * nor guess the token. Over https the cookie is a `__Host-` one, so a sibling subdomain cannot plant
 * a token of its own (host-cookie.ts). Runs after the body parser.
 */
export function csrfProtection(opts: { secure: boolean }): Middleware {
  return async (ctx, next) => {
    const token = issueCsrfToken(ctx, opts.secure);
    if (ctx.method === 'POST') {
      const sent = (ctx.request.body as Record<string, unknown> | undefined)?._csrf;
      if (typeof sent !== 'string' || !safeEqual(sent, token)) {
        throw new HttpError(403, 'csrfTokenInvalid', 'This form has expired or was not sent from this site. Go back, reload the page and try again.');
      }
    }
    await next();
  };
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * The token the forms of this response carry (this browser's, or a new one in the cookie), without
 * checking a submission: for a route that renders the journey's forms but takes no form itself
 * (the upstream callback, which may show the passcode or chooser page).
 */
export function issueCsrfToken(ctx: Context, secure: boolean): string {
  const name = hostCookieName('foyer.csrf', secure);
  let token = ctx.cookies.get(name);
  if (!token || !/^[A-Za-z0-9_-]{43}$/.test(token)) {
    token = randomBytes(32).toString('base64url');
    ctx.cookies.set(name, token, { httpOnly: true, sameSite: 'lax', secure, signed: false, path: '/' });
  }
  ctx.state.csrfToken = token;
  return token;
}
