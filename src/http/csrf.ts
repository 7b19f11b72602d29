import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Middleware } from 'koa';
import { hostCookieName } from './host-cookie.js';
import { HttpError } from './http-error.js';

/**
 * Double-submit CSRF protection for Foyer's HTML forms: a random token in an HttpOnly SameSite
 * cookie must come back in the form's `_csrf` field. A cross-site page can neither read the cookie
 * nor guess the token. Over https the cookie is a `__Host-` one, so a sibling subdomain cannot plant
 * a token of its own (host-cookie.ts). Runs after the body parser.
 */
export function csrfProtection(opts: { secure: boolean }): Middleware {
  const COOKIE = hostCookieName('foyer.csrf', opts.secure);
  return async (ctx, next) => {
    let token = ctx.cookies.get(COOKIE);
    if (!token || !/^[A-Za-z0-9_-]{43}$/.test(token)) {
      token = randomBytes(32).toString('base64url');
      ctx.cookies.set(COOKIE, token, { httpOnly: true, sameSite: 'lax', secure: opts.secure, signed: false, path: '/' });
    }
    ctx.state.csrfToken = token;
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
