import { randomUUID } from 'node:crypto';
import type { Context } from 'koa';
import type { RequestLog } from '../logging/request-log.js';

const REQUEST_ID = /^[A-Za-z0-9._-]{8,64}$/;

/** Gives the request a correlation id (the caller's `x-request-id` when well-formed), echoed in `x-request-id`. */
export function assignRequestId(ctx: Context): string {
  const incoming = ctx.get('x-request-id');
  const requestId = REQUEST_ID.test(incoming) ? incoming : randomUUID();
  ctx.state.requestId = requestId;
  ctx.res.setHeader('x-request-id', requestId);
  return requestId;
}

/** The one line logged when a request ends. */
export function logRequest(log: RequestLog, ctx: Context, ms: number): void {
  // The path only: query strings carry codes, states and hints that do not belong in logs.
  log.write({ requestId: ctx.state.requestId as string, method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(ms * 10) / 10 });
}
