import type { Context } from 'koa';
import { HttpError } from './http-error.js';

/**
 * Koa leaves a request no middleware answered at status 404 with no body, and would send it as
 * plain "Not Found". Every route that means 404 sets a body (or throws), so this is only the
 * unanswered case.
 */
export function nothingAnswered(ctx: Context): boolean {
  return ctx.status === 404 && ctx.body == null && !ctx.headerSent;
}

export function pageNotFound(): HttpError {
  return new HttpError(404, 'notFound', 'There is no page at this address. The link may be mistyped or out of date.');
}
