/**
 * SAML single logout started by the partner's IdP: GET /federation/:idpId/slo with a signed
 * LogoutRequest (HTTP-Redirect binding). The connector verifies it (an unsigned one is refused:
 * anyone could otherwise sign a guest out with a link); here its ID is made single-use, every
 * Foyer session and grant of the guest whose identity it names ends (as Graph's
 * revokeSignInSessions), and the browser goes back to the IdP with a signed LogoutResponse.
 * Whether or not Foyer knew the identity, the answer is the same, so the request tells nothing.
 */
import { Router } from '@koa/router';
import type { Context } from 'koa';
import type { AccountSessions } from '../directory/account-sessions.js';
import { FederationError } from '../federation/federation-error.js';
import type { SamlAssertionIds } from '../federation/saml-assertion-ids.js';
import { HttpError } from '../http/http-error.js';
import type { FoyerAdapter } from '../provider/adapters/index.js';
import type { JourneyDeps } from './journey-deps.js';
import { pendingLogoutKey, type PendingSamlLogout } from './saml-sign-out.js';

/** How long a LogoutRequest ID is remembered: past any NotOnOrAfter an IdP sets. */
const LOGOUT_ID_TTL_MS = 3600_000;

/**
 * `messageIds` keeps the LogoutRequest IDs already used, in the table of used SAML message IDs
 * (saml-assertion-ids.ts); `now` is the clock its expiry is counted on.
 */
export function samlLogoutRoutes(
  deps: Pick<JourneyDeps, 'registry' | 'identities' | 'audit' | 'logger' | 'renderer'>,
  sessions: Pick<AccountSessions, 'revokeAll'>,
  store: FoyerAdapter,
  messageIds: Pick<SamlAssertionIds, 'useOnce'>,
  now: () => number,
): Router {
  const router = new Router({ prefix: '/federation/:idpId' });

  router.get('/slo', async (ctx: Context) => {
    const idpId = ctx.params.idpId!;
    const connector = deps.registry.byId(idpId);
    if (!connector?.logoutRequest) throw new HttpError(404, 'unknownIdentityProvider', 'This logout request is for an identity provider that is not configured here.');
    if (typeof ctx.query.SAMLResponse === 'string') return finishLogout(ctx, idpId, connector);
    const request = await connector.logoutRequest({ query: stringParams(ctx.query), rawQuery: ctx.querystring });
    // One conditional INSERT: of two deliveries of the same request (a replay racing the original,
    // on one node or two) exactly one is first; there is no window between a check and a write.
    if (!(await messageIds.useOnce(idpId, request.requestId, now() + LOGOUT_ID_TTL_MS))) {
      throw new FederationError('invalid_response', 'This logout request was already used.', { idpId });
    }
    const linked = await deps.identities.findLinked({ idpId, issuer: request.issuer, subject: request.subject }).catch(() => undefined);
    if (linked) {
      const ended = await sessions.revokeAll(linked.userId);
      await deps.audit.record({ category: 'Authentication', activity: 'Single logout', result: 'success', actor: { type: 'system' }, target: { type: 'User', id: linked.userId }, details: { idpId, ...ended }, correlationId: ctx.state.requestId });
    }
    deps.logger.info({ requestId: ctx.state.requestId, idpId, known: Boolean(linked) }, 'SAML logout request from the IdP');
    ctx.set('Cache-Control', 'no-store');
    if (request.respondTo) {
      ctx.status = 303;
      return ctx.redirect(request.respondTo);
    }
    await deps.renderer.page(ctx, 'logged-out', {});
  });

  /**
   * The IdP's answer to the LogoutRequest saml-sign-out.ts sent: signed, answering a pending
   * request, with its RelayState; used once. Then the browser finishes where oidc-provider would
   * have sent it (the app's post_logout_redirect_uri, or Foyer's signed-out page).
   */
  async function finishLogout(ctx: Context, idpId: string, connector: NonNullable<ReturnType<JourneyDeps['registry']['byId']>>): Promise<void> {
    if (!connector.logoutResponse) throw new HttpError(404, 'unknownIdentityProvider', 'This logout response is for an identity provider that is not configured here.');
    const query = stringParams(ctx.query);
    const { inResponseTo } = await connector.logoutResponse({
      query,
      rawQuery: ctx.querystring,
      isPending: async (requestId) => Boolean(await store.find(pendingLogoutKey(idpId, requestId))),
    });
    const key = pendingLogoutKey(idpId, inResponseTo);
    const pending = (await store.find(key)) as PendingSamlLogout | undefined;
    if (!pending || pending.idpId !== idpId || pending.relayState !== query.RelayState || !(await store.take(key))) {
      throw new FederationError('state_mismatch', 'This logout response does not belong to a sign-out in progress.', { idpId });
    }
    deps.logger.info({ requestId: ctx.state.requestId, idpId }, 'SAML logout answered by the IdP');
    ctx.set('Cache-Control', 'no-store');
    ctx.status = 303;
    ctx.redirect(pending.finishAt);
  }

  return router;
}

function stringParams(input: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (input && typeof input === 'object') {
    for (const [k, v] of Object.entries(input)) if (typeof v === 'string') out[k] = v;
  }
  return out;
}
