import type { Context, Middleware } from 'koa';
import type Provider from 'oidc-provider';
import { consoleSectionsFor } from '../console/console-access.js';
import { accountUsable } from '../directory/account-usable.js';
import type { UsersRepository } from '../directory/users-repository.js';
import type { PageRenderer } from '../http/render.js';
import { onlyWhere } from '../http/only-where.js';
import { readPortalSession } from '../portal/portal-session.js';

/**
 * `GET /`: what a person who types Foyer's address sees. It says what this site is (the host's
 * sign-in service for guests), links to My Apps, and for a signed-in admin to the admin console
 * (its first section this admin's directory roles open, as the My Apps menu does).
 * A middleware on the exact path rather than a router: a router on `/` would be tried on every
 * request (mount-routers.ts matches routers by path prefix), the token endpoint included.
 */
export function landingPage(deps: { provider: Provider; users: UsersRepository; renderer: PageRenderer; myAppsUrl: string }): Middleware {
  const page = onlyWhere((ctx) => ctx.path === '/' && (ctx.method === 'GET' || ctx.method === 'HEAD'), async (ctx) => {
    const user = await signedInUser(ctx);
    // Personalised for whoever is signed in: never kept by a shared cache.
    ctx.set('Cache-Control', 'no-store');
    await deps.renderer.page(ctx, 'landing', {
      myAppsUrl: deps.myAppsUrl,
      signedInAs: user?.mail,
      consoleUrl: user ? consoleSectionsFor(user)[0]?.path : undefined,
    });
  });
  return page;

  async function signedInUser(ctx: Context) {
    const session = await readPortalSession(ctx, deps.provider);
    const user = session ? await deps.users.findById(session.accountId) : undefined;
    return user && accountUsable(user, deps.users.clock.now()) ? user : undefined;
  }
}
