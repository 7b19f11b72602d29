import type { Context, Middleware } from 'koa';
import type Provider from 'oidc-provider';
import { accountUsable } from '../directory/account-usable.js';
import type { User } from '../directory/user-model.js';
import type { UsersRepository } from '../directory/users-repository.js';
import { HttpError } from '../http/http-error.js';
import { beginPortalSignIn } from './portal-sign-in-routes.js';
import { clearPortalSession, readPortalSession } from './portal-session.js';

/** The signed-in user of a portal request (set by requirePortalUser). */
export function portalUser(ctx: Context): User {
  return ctx.state.portalUser as User;
}

/**
 * My Apps pages need a signed-in, enabled user. A GET without one starts the portal's sign-in
 * and comes back to the same page; a POST without one is refused (its form data cannot survive
 * the round trip, and a form posted without a session is not one this user filled in).
 */
export function requirePortalUser(deps: { provider: Provider; users: UsersRepository; issuer: string; secureCookies: boolean }): Middleware {
  return async (ctx, next) => {
    const session = await readPortalSession(ctx, deps.provider);
    const user = session ? await deps.users.findById(session.accountId) : undefined;
    if (!user || !accountUsable(user, deps.users.clock.now())) {
      if (session) clearPortalSession(ctx);
      if (ctx.method === 'GET' || ctx.method === 'HEAD') {
        // originalUrl is a path on this origin (Koa never puts a scheme or host in it).
        const returnTo = ctx.originalUrl.startsWith('/myapps') ? ctx.originalUrl : '/myapps';
        ctx.redirect(beginPortalSignIn(ctx, { issuer: deps.issuer, returnTo, secureCookies: deps.secureCookies }));
        return;
      }
      throw new HttpError(401, 'signInRequired', 'Your My Apps session has ended. Open My Apps to sign in again, then repeat what you were doing.');
    }
    ctx.state.portalUser = user;
    ctx.set('Cache-Control', 'no-store');
    await next();
  };
}
