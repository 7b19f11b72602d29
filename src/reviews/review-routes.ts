import { Router } from '@koa/router';
import type Provider from 'oidc-provider';
import type { UsersRepository } from '../directory/users-repository.js';
import { parseBodies } from '../http/body-parser.js';
import { csrfProtection } from '../http/csrf.js';
import type { PageRenderer } from '../http/render.js';
import { navOf } from '../portal/portal-nav.js';
import { portalUser, requirePortalUser } from '../portal/portal-auth.js';
import type { ReviewDecisions } from './review-decisions.js';

/**
 * `/myapps/reviews/<id>`, where a reviewer's mail lands: in their own My Apps session, the guests
 * they review with last sign-in and recommendation; each approve/deny is a CSRF-protected POST.
 */
export function reviewRoutes(deps: { provider: Provider; users: UsersRepository; issuer: string; secureCookies: boolean; renderer: PageRenderer; decisions: ReviewDecisions }): Router {
  const router = new Router();
  router.use('/myapps/reviews', parseBodies(), csrfProtection({ secure: deps.secureCookies }), requirePortalUser(deps));
  const show = async (ctx: Parameters<Parameters<Router['get']>[1]>[0], saved: boolean) => {
    const review = await deps.decisions.view(ctx.params.id!, portalUser(ctx).id);
    await deps.renderer.page(ctx, 'access-review', { ...navOf(ctx, 'apps'), review, id: ctx.params.id, endsOn: review.endsAt.slice(0, 10), csrfToken: ctx.state.csrfToken, saved });
  };
  router.get('/myapps/reviews/:id', (ctx) => show(ctx, false));
  router.post('/myapps/reviews/:id', async (ctx) => {
    const body = (ctx.request.body as Record<string, unknown> | undefined) ?? {};
    await deps.decisions.decide(ctx.params.id!, portalUser(ctx).id, body.principalId, body.decision, ctx.state.requestId);
    await show(ctx, true);
  });
  return router;
}
