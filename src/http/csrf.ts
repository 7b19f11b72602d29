import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Middleware } from 'koa';
import { HttpError } from './http-error.js';

const COOKIE = 'foyer.csrf';

/**
 * Double-submit CSRF protection for Foyer's HTML forms: a random token in an HttpOnly SameSite
 * cookie must come back in the form's `_csrf` field. A cross-site page can neither read the cookie
 * nor guess the token. Runs after the body parser.
 */
export function csrfProtection(opts: { secure: boolean }): Middleware {
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
