import { Router } from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import type { Context } from 'koa';
import type { PendingUpstream } from '../federation/connector.js';
import { FederationError } from '../federation/federation-error.js';
import { HttpError } from '../http/http-error.js';
import type { InteractionDetails } from './interaction-context.js';
import type { JourneyDeps } from './journey-deps.js';
import { journeyOf, saveJourney } from './journey-state.js';

/** The callback URL registered at an upstream: GET for OIDC and GitHub, POST (ACS) for SAML. */
export function callbackUrl(issuer: string, idpId: string, responseMode: 'query' | 'form_post'): string {
  return `${issuer}/federation/${idpId}/${responseMode === 'form_post' ? 'acs' : 'callback'}`;
}

function pendingKey(pending: PendingUpstream): string {
  return pending.kind === 'saml' ? pending.relayState : pending.state;
}

/** Step 4: send the browser to the upstream IdP, remembering what its answer must match. */
export function upstreamStart(deps: JourneyDeps) {
  return async function startUpstream(ctx: Context, details: InteractionDetails, idpId: string, email?: string): Promise<void> {
    const connector = deps.registry.byId(idpId);
    if (!connector) throw new HttpError(400, 'unknownIdentityProvider', 'That sign-in option is not available. Go back and choose another one.');
    const journey = journeyOf(details);
    const domain = email?.slice(email.lastIndexOf('@') + 1);
    const { redirectTo, pending } = await connector.start({
      callbackUrl: callbackUrl(deps.issuer, idpId, connector.responseMode),
      loginHint: email,
      domainHint: domain,
    });
    await deps.federationIndex.remember(pendingKey(pending), details.uid);
    await saveJourney(details, { ...journey, email: email ?? journey.email, upstream: { idpId, pending: pending as unknown as Record<string, unknown>, startedAt: Date.now() }, identity: undefined });
    ctx.status = 303;
    ctx.redirect(redirectTo);
  };
}

/**
 * Step 5: the upstream's answer. The interaction is found through the single-use federation index
 * (a SAML POST carries no SameSite cookie); the validated identity is stored in the interaction and
 * the browser continues at /interaction/:uid/continue, where its interaction cookie is checked.
 */
export function upstreamCallbackRoutes(deps: JourneyDeps): Router {
  const router = new Router({ prefix: '/federation/:idpId' });
  // SAML responses are signed XML, base64 in a form field: larger than anything else Foyer accepts.
  const samlBody = bodyParser({ enableTypes: ['form'], formLimit: '512kb' });

  router.get('/callback', (ctx) => finish(ctx, stringParams(ctx.query), 'state'));
  router.post('/acs', samlBody, (ctx) => finish(ctx, stringParams(ctx.request.body), 'RelayState'));
  router.get('/metadata', (ctx) => {
    const connector = deps.registry.byId(ctx.params.idpId!);
    if (!connector?.metadata) throw new HttpError(404, 'noMetadata', 'This identity provider has no SAML metadata.');
    ctx.type = 'application/samlmetadata+xml';
    ctx.body = connector.metadata();
  });

  async function finish(ctx: Context, params: Record<string, string>, keyName: string): Promise<void> {
    const idpId = ctx.params.idpId!;
    const connector = deps.registry.byId(idpId);
    if (!connector) throw new HttpError(404, 'unknownIdentityProvider', 'This sign-in response is for an identity provider that is not configured here.');
    const key = params[keyName];
    const uid = key ? await deps.federationIndex.take(key) : undefined;
    if (!uid) {
      throw new HttpError(400, 'signInResponseUnknown', 'This sign-in response is unknown, expired, or was already used. Go back to the app and sign in again.');
    }
    // The callback carries no interaction cookie: the interaction is found by the uid the index gave back.
    const interaction = await deps.provider.Interaction.find(uid);
    const journey = interaction ? journeyOf(interaction) : {};
    const pending = journey.upstream && journey.upstream.idpId === idpId ? (journey.upstream.pending as unknown as PendingUpstream) : undefined;
    try {
      if (!interaction || !pending) throw new FederationError('state_mismatch', 'This sign-in response does not belong to the sign-in in progress.', { idpId });
      const identity = await connector.finish({ pending, callbackUrl: callbackUrl(deps.issuer, idpId, connector.responseMode), params });
      await saveJourney(interaction, { ...journey, upstream: undefined, identity });
    } catch (err) {
      // The attempt is over either way: a replayed or forged response cannot be retried against it.
      if (interaction) await saveJourney(interaction, { ...journey, upstream: undefined, identity: undefined });
      if (err instanceof FederationError) {
        deps.logger.warn({ requestId: ctx.state.requestId, idpId, code: err.code }, 'upstream sign-in failed');
        await deps.audit.record({ category: 'Authentication', activity: 'Upstream sign-in', result: 'failure', resultReason: err.code, actor: { type: 'system' }, details: { idpId }, correlationId: ctx.state.requestId });
        await deps.signIns?.failure(ctx, { userPrincipalName: journey.email, identityProvider: idpId, errorCode: err.code, failureReason: err.message, interactionUid: uid });
      }
      throw err;
    }
    ctx.status = 303;
    ctx.redirect(`/interaction/${uid}/continue`);
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
