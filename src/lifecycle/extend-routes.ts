import { Router } from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { AppConfig } from '../config/apps-schema.js';
import type { UsersRepository } from '../directory/users-repository.js';
import { parseBodies } from '../http/body-parser.js';
import { csrfProtection } from '../http/csrf.js';
import type { PageRenderer } from '../http/render.js';
import { navOf } from '../portal/portal-nav.js';
import { portalUser, requirePortalUser } from '../portal/portal-auth.js';
import type { ExtensionLinks, ExtensionOffer } from './extension-links.js';

export interface ExtendRouteDeps {
  provider: Provider;
  users: UsersRepository;
  issuer: string;
  secureCookies: boolean;
  renderer: PageRenderer;
  links: ExtensionLinks;
  apps: AppConfig[];
}

/**
 * `/myapps/extend?t=…`, where a sponsor's extend link lands: the sponsor signs in to My Apps (the
 * link alone is not enough), GET shows what would change, and only the form's POST (with the CSRF
 * token) extends. A link scanner or a prefetch that opens the link changes nothing.
 */
export function extendRoutes(deps: ExtendRouteDeps): Router {
  const router = new Router();
  router.use(parseBodies(), csrfProtection({ secure: deps.secureCookies }), requirePortalUser(deps));
  const view = (ctx: Context, offer: ExtensionOffer) => ({
    guestName: offer.guest.displayName,
    guestMail: offer.guest.mail,
    what: offer.appId ? (deps.apps.find((a) => a.id === offer.appId)?.displayName ?? offer.appId) : deps.renderer.translator(ctx).t('extendAccess.allApps'),
    endsOn: offer.endsAt,
    newEnd: offer.newEnd,
  });

  router.get('/myapps/extend', async (ctx) => {
    const offer = await deps.links.offer(ctx.query.t, portalUser(ctx));
    await deps.renderer.page(ctx, 'extend-access', { ...navOf(ctx, 'apps'), ...view(ctx, offer), token: ctx.query.t, csrfToken: ctx.state.csrfToken, done: false });
  });

  router.post('/myapps/extend', async (ctx) => {
    const token = (ctx.request.body as Record<string, unknown> | undefined)?.t;
    const offer = await deps.links.apply(token, portalUser(ctx), ctx.state.requestId);
    await deps.renderer.page(ctx, 'extend-access', { ...navOf(ctx, 'apps'), ...view(ctx, offer), done: true });
  });
  return router;
}
