/**
 * oidc-provider's default paths for the browser-facing endpoints (Foyer keeps the defaults).
 * Middleware that only acts on those answers tests the path before anything else, so a token,
 * JWKS or discovery request passes it without an async frame (issue 20).
 */

/** GET/POST /auth (route `authorization`) and /auth/:uid (route `resume`). */
export function isAuthorizationPath(path: string): boolean {
  return path === '/auth' || path.startsWith('/auth/');
}

/** /session/end and /session/end/confirm (routes `end_session`, `end_session_confirm`). */
export function isEndSessionPath(path: string): boolean {
  return path === '/session/end' || path.startsWith('/session/end/');
}
