import type { Middleware } from 'koa';
import { HttpError } from '../http/http-error.js';
import type { Logger } from '../logging/logger.js';

export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
export const SCIM_CONTENT_TYPE = 'application/scim+json; charset=utf-8';

/** RFC 7644 §3.12 scimType values Foyer uses. */
export type ScimType = 'invalidFilter' | 'tooMany' | 'uniqueness' | 'mutability' | 'invalidSyntax' | 'invalidPath' | 'noTarget' | 'invalidValue' | 'invalidVers';

/** An error a SCIM client gets in SCIM's shape (status as a string, scimType, detail). */
export class ScimError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly scimType?: ScimType,
  ) {
    super(detail);
  }
}

/**
 * Every answer under /scim/v2 that is not a success is SCIM's error document: our ScimErrors,
 * Foyer's HttpErrors (their code as the scimType-less detail prefix), body-parser refusals; any
 * other failure is a 500 that says only the request id.
 */
export function scimErrors(logger: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) throw new ScimError(404, `No SCIM endpoint ${ctx.method} ${ctx.path}.`);
      if (ctx.status === 405 && ctx.body === undefined) throw new ScimError(405, `${ctx.method} is not supported on ${ctx.path}.`);
    } catch (err) {
      const status = err instanceof ScimError ? err.status : err instanceof HttpError ? err.status : typeof (err as { status?: unknown }).status === 'number' ? (err as { status: number }).status : 500;
      const detail = err instanceof ScimError ? err.detail : err instanceof HttpError ? `${err.message} (${err.code})` : status < 500 ? String((err as Error).message) : `Something went wrong; the request id is ${String(ctx.state.requestId)}.`;
      if (status >= 500) logger.error({ err, requestId: ctx.state.requestId }, 'SCIM request failed');
      ctx.status = status;
      ctx.type = SCIM_CONTENT_TYPE;
      ctx.body = { schemas: [ERROR_SCHEMA], status: String(status), ...(err instanceof ScimError && err.scimType ? { scimType: err.scimType } : {}), detail };
    }
  };
}
