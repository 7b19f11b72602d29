import { Router } from '@koa/router';
import type { Middleware } from 'koa';
import type Provider from 'oidc-provider';
import type { UsersRepository } from '../directory/users-repository.js';
import { parseBodies } from '../http/body-parser.js';
import { csrfProtection } from '../http/csrf.js';
import { manageRoutes } from './manage-routes.js';
import { myAppsRoutes, type MyAppsDeps } from './my-apps-routes.js';
import { requirePortalUser } from './portal-auth.js';

export interface PortalDeps extends MyAppsDeps {
  provider: Provider;
  users: UsersRepository;
  issuer: string;
  secureCookies: boolean;
}

/**
 * What every My Apps and console page runs first, whichever feature folder serves it: bodies
 * parsed with small limits, CSRF on every form, a signed-in enabled user.
 */
export function portalPageGuards(deps: { provider: Provider; users: UsersRepository; issuer: string; secureCookies: boolean }): Middleware[] {
  return [parseBodies(), csrfProtection({ secure: deps.secureCookies }), requirePortalUser(deps)];
}

/**
 * Every My Apps page (the sign-in callback lives in portal-sign-in-routes.ts; the admin console
 * in src/console/): bodies parsed with
 * small limits, CSRF on every form, a signed-in enabled user, then the page. One line per concern.
 */
export function portalRoutes(deps: PortalDeps): Router {
  const router = new Router();
  router.use(...portalPageGuards(deps));
  for (const child of [myAppsRoutes(deps), manageRoutes({ delegated: deps.delegated, renderer: deps.renderer })]) {
    router.use(child.routes(), child.allowedMethods());
  }
  return router;
}
