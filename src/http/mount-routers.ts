import type { Router } from '@koa/router';
import type { Context, Middleware, Next } from 'koa';

interface Mounted {
  /** Lower-cased static beginnings of the router's paths; '' when one of them is a RegExp. */
  prefixes: string[];
  run: (ctx: Context, next: Next) => Promise<unknown>;
}

/** The part of a route path before its first parameter or wildcard ('/interaction/:uid/x' → '/interaction/'). */
export function staticPrefix(path: string | RegExp): string {
  if (typeof path !== 'string') return '';
  const cut = path.search(/[:{(*]/);
  return (cut === -1 ? path : path.slice(0, cut)).toLowerCase();
}

/**
 * Where a router can answer. Only its routes count: @koa/router runs a router's `use()` middleware
 * (whatever its path) only for a request that one of the router's routes matched.
 */
function routePrefixes(router: Router): string[] {
  const routes = router.stack.filter((layer) => layer.methods.length > 0);
  return [...new Set((routes.length ? routes : router.stack).map((layer) => staticPrefix(layer.path)))];
}

/**
 * Mounts routers (each with its `allowedMethods()`) so that a request only passes through the
 * routers that have a path it could match. Koa otherwise runs every router on every request, and
 * each one tests all of its routes: a token request paid for a dozen routers and ~150 regular
 * expressions before reaching oidc-provider. Matching stays @koa/router's own (case-insensitive,
 * so the prefix test is too); this only skips routers that cannot match. Routes must be declared
 * before mounting.
 */
export function mountRouters(routers: Router[]): Middleware {
  const mounted: Mounted[] = routers.map((router) => {
    const routes = router.routes();
    const allowed = router.allowedMethods();
    return {
      prefixes: routePrefixes(router),
      run: (ctx, next) => routes(ctx as never, () => allowed(ctx as never, next)) as Promise<unknown>,
    };
  });
  // Plain loops: a request that matches no router allocates nothing here.
  const mayMatch = (m: Mounted, path: string) => {
    for (const prefix of m.prefixes) if (path.startsWith(prefix)) return true;
    return false;
  };
  const anyMayMatch = (path: string) => {
    for (const m of mounted) if (mayMatch(m, path)) return true;
    return false;
  };
  return (ctx, next) => {
    const path = ctx.path.toLowerCase();
    // Most protocol requests (`/token`, `/jwks`) match no router: straight on, nothing allocated.
    if (!anyMayMatch(path)) return next();
    const applicable = mounted.filter((m) => mayMatch(m, path));
    const dispatch = (i: number): Promise<unknown> => (i === applicable.length ? next() : applicable[i]!.run(ctx, () => dispatch(i + 1)));
    return dispatch(0);
  };
}
