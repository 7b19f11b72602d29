/**
 * A request path as the routers match it: oidc-provider's router and @koa/router both ignore
 * letter case and one trailing slash, so `/AUTH/` reaches the same route as `/auth`. Middleware
 * that decides by path whether to act (budgets, size caps, the sign-in log, SAML sign-out) must
 * compare this form, or a variant of the path would reach the route while skipping the check.
 */
export function routePath(path: string): string {
  // Every budget, size cap and path-bound middleware asks for the same request's path in turn
  // (eight times on a token request): the last answer is kept, so the path is lowered once.
  if (path === lastPath) return lastRoute;
  const lower = path.toLowerCase();
  lastRoute = lower.length > 1 && lower.endsWith('/') ? lower.slice(0, -1) : lower;
  lastPath = path;
  return lastRoute;
}

let lastPath = '/';
let lastRoute = '/';
