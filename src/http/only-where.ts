import type { Context, Middleware, Next } from 'koa';

/**
 * Runs `middleware` only on the requests `applies` picks; every other request goes straight on,
 * without the async frame (its promise, and the promise that adopts `next()`'s) an `async`
 * middleware's early `return next()` still costs. Most of Foyer's middleware acts on a few paths,
 * and a token request passed through all of them (docs/benchmarks.md, "Token path: the provider's
 * configuration").
 */
export function onlyWhere<C extends Context = Context>(applies: (ctx: C) => boolean, middleware: (ctx: C, next: Next) => Promise<unknown>): Middleware {
  return ((ctx: C, next: Next) => (applies(ctx) ? middleware(ctx, next) : next())) as unknown as Middleware;
}
