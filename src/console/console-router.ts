import { Router } from '@koa/router';
import type Provider from 'oidc-provider';
import type { SharedServices } from '../core/shared-services.js';
import { portalPageGuards } from '../portal/portal-routes.js';

/** What every console section's router needs from the node to guard its pages. */
export interface ConsoleGuardDeps {
  provider: Provider;
}

/**
 * A console section's router under /myapps/admin/<section>: the My Apps page guards (bodies,
 * CSRF, a signed-in user) run first; each route then asks for its own permission.
 */
export function consoleRouter(shared: SharedServices, deps: ConsoleGuardDeps, section: string): Router {
  const router = new Router({ prefix: `/myapps/admin/${section}` });
  router.use(...portalPageGuards({ provider: deps.provider, users: shared.users, issuer: shared.config.issuer, secureCookies: shared.secureCookies }));
  return router;
}
