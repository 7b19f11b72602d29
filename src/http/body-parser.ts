import { bodyParser } from '@koa/bodyparser';
import type { Middleware } from 'koa';

/**
 * Body parsing for Foyer's own routes only (oidc-provider reads its own bodies). Small limits:
 * nothing Foyer accepts is large, and a big body is an attack or a mistake.
 */
export function parseBodies(): Middleware {
  return bodyParser({
    enableTypes: ['json', 'form'],
    jsonLimit: '64kb',
    formLimit: '16kb',
    encoding: 'utf-8',
    onError: (err, ctx) => {
      const status = (err as { status?: number }).status ?? 400;
      ctx.throw(status === 413 ? 413 : 400, status === 413 ? 'The request body is too large.' : 'The request body is not valid JSON or form data.');
    },
  });
}
