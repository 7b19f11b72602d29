/**
 * A guest sign-in whose authorization request already names the person (login_hint) or their
 * organisation (domain_hint) goes from /auth straight to the home IdP, instead of through
 * /interaction/:uid, whose only work in that case was to send the browser on (issue 20: one browser
 * round trip, one interaction read and one request's middleware less per sign-in).
 *
 * oidc-provider answers /auth as always: it saves the Interaction, sets the interaction and resume
 * cookies and answers 303 to /interaction/:uid. Only after that, on that new interaction at the
 * login prompt, this runs the interaction page's own home-realm discovery (identify-step.ts
 * `startFromAuthorization`) and, when it picks one upstream IdP, the page's own upstream start,
 * which binds the attempt to this browser (its cookie is set on this response) and to this
 * interaction (its `state`), and replaces the 303's Location. In every other case the 303 to
 * /interaction/:uid stays untouched and that page does what it always did; nothing here logs a
 * failure or saves a journey it did not finish, so nothing happens twice.
 *
 * The hint is anyone's to set (any app, any link): the result is exactly the redirect the interaction
 * page would have answered without asking the person anything (docs/security.md).
 */
import type { Middleware } from 'koa';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { onlyWhere } from '../http/only-where.js';
import { routePath } from '../http/route-path.js';
import { pendingFor } from './idp-initiated.js';
import type { InteractionDetails } from './interaction-context.js';
import type { JourneyDeps } from './journey-deps.js';
import type { JourneySteps } from './interaction-routes.js';

export function upstreamFromAuthorization(deps: JourneyDeps, steps: JourneySteps): Middleware {
  // Only a browser's GET of /auth itself (any letter case, one trailing slash): never the resume at
  // /auth/:uid, and never HEAD, whose answer no browser follows (it would only start sign-ins).
  return onlyWhere((ctx) => ctx.method === 'GET' && routePath(ctx.path) === '/auth', async (ctx, next) => {
    await next();
    // `oidc` exists only on requests oidc-provider's router took.
    const oidc = Object.prototype.hasOwnProperty.call(ctx, 'oidc') ? (ctx as unknown as KoaContextWithOIDC).oidc : undefined;
    if (oidc?.route !== 'authorization' || ctx.status !== 303) return;
    const interaction = oidc.entities.Interaction as InteractionDetails | undefined;
    if (!interaction || interaction.prompt.name !== 'login' || ctx.response.get('Location') !== `/interaction/${interaction.uid}`) return;
    try {
      // The page shows a pending IdP-initiated sign-in's "Continue as …?" first: leave that to it.
      if (deps.idpInitiated && (await pendingFor(ctx, deps, deps.idpInitiated, interaction))) return;
      // oidc-provider's save keeps `iat` in the stored row only; the journey's lifetime counts from it (keepForJourney).
      interaction.iat ??= Math.floor(Date.now() / 1000);
      await steps.identify.startFromAuthorization(ctx, interaction);
    } catch (err) {
      // The interaction page is still where the 303 points, and it runs (and reports) the same steps.
      deps.logger.warn({ requestId: ctx.state.requestId, interactionUid: interaction.uid, err: err instanceof Error ? err.message : String(err) }, 'sending the guest to their IdP from /auth failed; the interaction page takes over');
      ctx.status = 303;
      ctx.redirect(`/interaction/${interaction.uid}`);
    }
  });
}
