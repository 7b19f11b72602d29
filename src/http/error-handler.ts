import { ZodError } from 'zod';
import type { Context } from 'koa';
import type { Logger } from '../logging/logger.js';
import { onwardOf } from './error-onward.js';
import { HttpError } from './http-error.js';
import type { PageRenderer } from './render.js';
import { pageMessage } from '../i18n/page-message.js';
import { StorageUnavailableError, storageFailureReason } from '../provider/adapters/storage-unavailable.js';

/**
 * Turns errors from Foyer's own routes into a clear response: JSON in Graph's error shape for API
 * callers, a branded page for browsers. Unknown errors are logged with their stack and answered
 * as a 500 that shows only the correlation id. (oidc-provider renders its own protocol errors.)
 */
export function errorResponder(logger: Logger, renderer: PageRenderer): (ctx: Context, raw: unknown) => Promise<void> {
  return async (ctx, raw) => {
    const err = classify(raw);
    if (err.status === 503) logger.warn({ reason: storageFailureReason(raw) ?? 'storage', requestId: ctx.state.requestId }, 'storage unavailable');
    else if (err.status >= 500) logger.error({ err: raw, requestId: ctx.state.requestId }, 'request failed');
    else logger.info({ code: err.code, status: err.status, requestId: ctx.state.requestId }, 'request refused');
    ctx.status = err.status;
    if (err.status === 429 && err.details?.retryAfterSeconds) ctx.set('Retry-After', String(err.details.retryAfterSeconds));
    if (err.status === 503) ctx.set('Retry-After', '5');
    const wantsHtml = ctx.accepts('json', 'html') === 'html' && !isApiPath(ctx.path);
    if (wantsHtml) {
      const tr = renderer.translator(ctx);
      // A page nobody routes to: the way on is the start page, which says what this site is.
      const onward = err.code === 'notFound' && err.status === 404 ? { nextStep: tr.t('error.notFoundNextStep'), homeUrl: '/' } : await returnLink(ctx);
      // An error that knows what the person should do next says it under the message.
      const nextStep = typeof err.details?.nextStep === 'string' ? { nextStep: err.details.nextStep } : {};
      await renderer.page(ctx, 'error', { heading: tr.t(headingFor(err.status)), message: pageMessage(tr, err, stringDetails(err)), code: err.code, ...onward, ...nextStep }, err.status);
    } else {
      ctx.body = {
        error: {
          code: err.code,
          message: err.message,
          ...(err.details ? { details: err.details } : {}),
          innerError: { 'request-id': ctx.state.requestId, date: new Date().toISOString() },
        },
      };
    }
  };
}

/** Inside a sign-in: the link back to the app (error-onward.ts), so the person can start again there. */
async function returnLink(ctx: Context): Promise<{ returnUrl?: string; returnTo?: string }> {
  const onward = onwardOf(ctx);
  if (!onward) return {};
  const label = await onward.label().catch(() => 'the app');
  return { returnUrl: onward.url, returnTo: label };
}

/** Machine clients' paths (the Graph-shaped API, SCIM) always get JSON, whatever their Accept header says. */
function isApiPath(path: string): boolean {
  const p = path.toLowerCase();
  return p === '/v1.0' || p.startsWith('/v1.0/') || p === '/scim' || p.startsWith('/scim/');
}

function classify(raw: unknown): HttpError {
  if (raw instanceof HttpError) return raw;
  // Repositories do not wrap their queries: a lost database or Redis connection is recognised here.
  if (raw instanceof StorageUnavailableError || storageFailureReason(raw)) {
    return new HttpError(503, 'serviceUnavailable', 'Foyer cannot reach its storage right now. Try again in a moment.');
  }
  const e = raw as { status?: number; expose?: boolean; message?: string };
  // Koa and its body parser throw errors with `status` and `expose` (413 too large, 415, 400 bad JSON).
  if (e && typeof e.status === 'number' && e.status >= 400 && e.status < 500 && e.expose) {
    const code = e.status === 413 ? 'requestTooLarge' : e.status === 415 ? 'unsupportedMediaType' : 'badRequest';
    return new HttpError(e.status, code, e.message ?? 'The request could not be read.');
  }
  // A zod schema used with .parse() instead of parseInput(): still the caller's bad input, not a crash.
  if (raw instanceof ZodError) {
    return new HttpError(400, 'invalidRequest', `The request is not valid: ${raw.issues.map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`).join('; ')}`);
  }
  return new HttpError(500, 'internalError', 'Something went wrong on our side. Quote the reference below if you contact support.');
}

/** The error page's heading (a message key) for a status. */
function headingFor(status: number): string {
  if (status === 403) return 'error.headingForbidden';
  if (status === 404) return 'error.headingNotFound';
  if (status === 429) return 'error.headingTooMany';
  if (status >= 500) return 'error.headingServer';
  return 'error.headingRequest';
}

/** The details a translated message may quote (strings and numbers only: never objects from the error). */
function stringDetails(err: HttpError): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(err.details ?? {})) if (typeof value === 'string' || typeof value === 'number') out[name] = value;
  return out;
}
