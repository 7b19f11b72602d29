import type { Context } from 'koa';

const KNOWN = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * Methods no Foyer or oidc-provider route answers (TRACE, CONNECT, made-up ones) get 405 at once.
 * Left alone, the routers' allowedMethods() answers them with 501 Not Implemented: a 5xx that
 * monitoring would count as a server fault although the client sent something unsupported.
 * Returns true when it answered.
 */
export function refuseUnknownMethod(ctx: Context): boolean {
  if (KNOWN.has(ctx.method)) return false;
  ctx.status = 405;
  ctx.set('Allow', [...KNOWN].join(', '));
  ctx.body = { error: { code: 'methodNotAllowed', message: `Foyer does not answer ${ctx.method.slice(0, 16)} requests.` } };
  return true;
}
