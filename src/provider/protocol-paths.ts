import { routePath } from '../http/route-path.js';

/**
 * oidc-provider's default paths for the browser-facing endpoints (Foyer keeps the defaults).
 * Middleware that only acts on those answers tests the path before anything else, so a token,
 * JWKS or discovery request passes it without an async frame (issue 20). The test is on the path
 * as the router matches it (any letter case, one trailing slash), never on the raw path.
 */

/** GET/POST /auth (route `authorization`) and /auth/:uid (route `resume`). */
export function isAuthorizationPath(path: string): boolean {
  const p = routePath(path);
  return p === '/auth' || p.startsWith('/auth/');
}

/** /session/end and /session/end/confirm (routes `end_session`, `end_session_confirm`). */
export function isEndSessionPath(path: string): boolean {
  const p = routePath(path);
  return p === '/session/end' || p.startsWith('/session/end/');
}
