import type { Context, Middleware } from 'koa';
import type { RequestLog } from '../logging/request-log.js';
import { nothingAnswered, pageNotFound } from './not-found.js';
import { refuseUnknownMethod } from './method-guard.js';
import { assignRequestId, logRequest } from './request-context.js';
import { isJsonOrEmpty, isProtocolJsonRequest, securityHeaders } from './security-headers.js';

export interface RequestEdgeDeps {
  /** Where the one line per request goes. */
  requestLog: RequestLog;
  /** Counts the finished request and how long it took, in ms (metrics). */
  observe(ctx: Context, durationMs: number): void;
  /** Answers an error thrown by anything inside (Foyer's own routes; oidc-provider renders its own). */
  respondToError(ctx: Context, err: unknown): Promise<void>;
  isShuttingDown(): boolean;
  hsts: boolean;
}

/**
 * What every request gets on its way in and out, in one middleware: a correlation id, the security
 * headers, 405 for unknown methods, `Connection: close` while draining, the error answer (and
 * Foyer's 404 where no route answered), and on the way out its metrics and its log line (which
 * see the status the error answer set). One async
 * frame instead of six: on a token request each extra frame and its promises showed in the profile
 * (docs/benchmarks.md).
 */
export function requestEdge(deps: RequestEdgeDeps): Middleware {
  const headers = securityHeaders({ hsts: deps.hsts });
  return async (ctx, next) => {
    // A double, not hrtime.bigint(): no BigInt per clock read, and one read at the end for both uses.
    const started = performance.now();
    assignRequestId(ctx);
    // JSON-only protocol endpoints get the headers that matter for JSON; anything else, and any of
    // them that answers with something other than JSON after all, the full browser set.
    const protocolJson = isProtocolJsonRequest(ctx.method, ctx.path);
    if (protocolJson) headers.protocolJson(ctx.res);
    else headers.browser(ctx.res);
    // While draining, tell keep-alive clients to reconnect elsewhere instead of holding the socket.
    if (deps.isShuttingDown()) ctx.set('Connection', 'close');
    try {
      if (!refuseUnknownMethod(ctx)) await next();
      // No route (Foyer's or oidc-provider's) answered: Foyer's own 404, never Koa's plain "Not Found".
      if (nothingAnswered(ctx)) await deps.respondToError(ctx, pageNotFound());
    } catch (err) {
      await deps.respondToError(ctx, err);
    } finally {
      if (protocolJson && !ctx.res.headersSent && !isJsonOrEmpty(ctx.res)) headers.browserOnly(ctx.res);
      const ms = performance.now() - started;
      deps.observe(ctx, ms);
      logRequest(deps.requestLog, ctx, ms);
    }
  };
}
