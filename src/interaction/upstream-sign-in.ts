import { randomBytes } from 'node:crypto';
import { Router } from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import type { Context } from 'koa';
import { safeEqual, type Connector, type PendingUpstream, type StartResult } from '../federation/connector.js';
import type { UpstreamIdentity } from '../federation/upstream-identity.js';
import { issueCsrfToken } from '../http/csrf.js';
import { askForLanguage } from '../i18n/request-language.js';
import { ENGAGED_INTERACTION_TTL } from './interaction-lifetime.js';
import { FederationError } from '../federation/federation-error.js';
import { requireFreshAuthentication } from '../federation/upstream-freshness.js';
import { HttpError } from '../http/http-error.js';
import { bindToBrowser, hasBrowserBinding, isSameBrowser } from './browser-binding.js';
import { offerReturnToApp, requirePrompt, type InteractionDetails } from './interaction-context.js';
import type { JourneyDeps } from './journey-deps.js';
import { acceptUnsolicited } from './idp-initiated.js';
import { journeyOf, saveJourney, setJourney, type JourneyState } from './journey-state.js';
import { reauthenticationOf } from './reauthentication.js';
import { upstreamFailureDetail } from './upstream-failure.js';

/** The callback URL registered at an upstream: GET for OIDC and GitHub, POST (ACS) for SAML and form_post OIDC (Apple). */
export function callbackUrl(issuer: string, idpId: string, responseMode: 'query' | 'form_post'): string {
  return `${issuer}/federation/${idpId}/${responseMode === 'form_post' ? 'acs' : 'callback'}`;
}

function pendingKey(pending: PendingUpstream): string {
  return pending.kind === 'saml' ? pending.relayState : pending.state;
}

/** Step 4: send the browser to the upstream IdP, remembering what its answer must match. */
export function upstreamStart(deps: JourneyDeps) {
  /** From a page of the journey: a refusal or a connector that cannot start is logged and shown. */
  async function startUpstream(ctx: Context, details: InteractionDetails, idpId: string, email?: string): Promise<void> {
    const connector = deps.registry.byId(idpId);
    if (!connector) throw new HttpError(400, 'unknownIdentityProvider', 'That sign-in option is not available. Go back and choose another one.');
    await refuseIfScreenedOut(ctx, deps, email, idpId);
    const started = await startAt(connector, details, idpId, email).catch(async (err: unknown) => {
      // Discovery or metadata could not be fetched: the admin needs the reason, the guest only the code.
      if (err instanceof FederationError) {
        const detail = upstreamFailureDetail(err);
        deps.logger.warn({ requestId: ctx.state.requestId, idpId, code: err.code, detail }, 'upstream sign-in could not start');
        await deps.signIns?.failure(ctx, { userPrincipalName: email, identityProvider: idpId, errorCode: err.code, failureReason: err.message, failureDetail: detail });
      }
      throw err;
    });
    await sendUpstream(ctx, details, idpId, email, started);
  }

  /**
   * The same start from the authorization endpoint (upstream-from-authorization.ts). Where
   * startUpstream would refuse or fail, this answers false before anything is written or logged:
   * the interaction page then runs startUpstream, which refuses or fails (and logs) once, as before.
   */
  async function startUpstreamQuietly(ctx: Context, details: InteractionDetails, idpId: string, email?: string): Promise<boolean> {
    const connector = deps.registry.byId(idpId);
    if (!connector || (email && deps.partners?.screen(email, idpId))) return false;
    const started = await startAt(connector, details, idpId, email).catch(() => undefined);
    if (!started) return false;
    await sendUpstream(ctx, details, idpId, email, started);
    return true;
  }

  async function startAt(connector: Connector, details: InteractionDetails, idpId: string, email: string | undefined): Promise<Started> {
    const state = upstreamState(details.uid);
    const domain = email?.slice(email.lastIndexOf('@') + 1);
    const result = await connector.start({
      callbackUrl: callbackUrl(deps.issuer, idpId, connector.responseMode),
      state,
      loginHint: email,
      domainHint: domain,
      reauthenticate: reauthenticationOf(details),
    });
    return { ...result, state };
  }

  /** Binds the attempt to this browser, keeps its state in the interaction, and sends the browser there. */
  async function sendUpstream(ctx: Context, details: InteractionDetails, idpId: string, email: string | undefined, { redirectTo, pending, state }: Started): Promise<void> {
    const journey = journeyOf(details);
    const browser = bindToBrowser(ctx, deps.secureCookies);
    // Starting again (a reload, another IdP) replaces the attempt: the interaction keeps only the new
    // state, so the old answer can no longer come back. Only a connector that made its own state
    // (Passport) needs the index, and its old entry goes too.
    const previous = journey.upstream?.pending as PendingUpstream | undefined;
    if (previous && !interactionUidIn(pendingKey(previous))) await deps.federationIndex.take(pendingKey(previous));
    if (pendingKey(pending) !== state) await deps.federationIndex.remember(pendingKey(pending), details.uid);
    await saveJourney(details, { ...journey, email: email ?? journey.email, upstream: { idpId, pending: pending as unknown as Record<string, unknown>, startedAt: Date.now(), browser }, identity: undefined });
    ctx.status = 303;
    ctx.redirect(redirectTo);
  }

  return { startUpstream, startUpstreamQuietly };
}

/** What a connector's start gave, and the state Foyer asked it to send. */
type Started = StartResult & { state: string };

/**
 * Step 5 and 6: the upstream's answer. The interaction is found by the uid its `state`/`RelayState`
 * carries (a cross-site POST, SAML or Apple's form_post, carries no SameSite cookie; a Passport
 * strategy's own state through the federation index); the whole value must be the one the
 * interaction stored, and the answer must come from the browser that started the sign-in (checked
 * before anything is exchanged or stored). It is used once (an atomic claim), the identity is
 * validated, and the sign-in is decided and handed to oidc-provider right here: the browser goes on
 * to /auth/:uid, where oidc-provider checks its resume cookie for that interaction.
 */
export function upstreamCallbackRoutes(deps: JourneyDeps, finishSignIn: FinishSignIn): Router {
  const router = new Router({ prefix: '/federation/:idpId' });
  // SAML responses are signed XML, base64 in a form field: larger than anything else Foyer accepts.
  const samlBody = bodyParser({ enableTypes: ['form'], formLimit: '512kb' });

  // Each IdP is answered only in the response mode Foyer asked it for: a query-mode answer to a
  // form_post IdP (or the reverse) is not one of its sign-ins.
  router.get('/callback', (ctx) => {
    requireResponseMode(ctx, 'query');
    return finish(ctx, stringParams(ctx.query), 'state');
  });
  router.post('/acs', samlBody, async (ctx) => {
    requireResponseMode(ctx, 'form_post');
    const params = stringParams(ctx.request.body);
    // The IdP's cross-site POST carries no SameSite=Lax cookie: bounce it once through a page on
    // this site, whose own POST does carry it. A second arrival without the cookie is checked (and refused).
    if (!hasBrowserBinding(ctx, deps.secureCookies) && params.foyer_hop !== '1') return formPostHop(ctx, params);
    // SAML finds its sign-in by RelayState; an OIDC form_post answer (Apple) by state.
    return finish(ctx, params, deps.registry.byId(ctx.params.idpId!)?.type === 'saml' ? 'RelayState' : 'state');
  });
  router.get('/metadata', async (ctx) => {
    const connector = deps.registry.byId(ctx.params.idpId!);
    if (!connector?.metadata) throw new HttpError(404, 'noMetadata', 'This identity provider has no SAML metadata.');
    ctx.type = 'application/samlmetadata+xml';
    ctx.body = await connector.metadata();
  });

  function requireResponseMode(ctx: Context, mode: 'query' | 'form_post'): void {
    const connector = deps.registry.byId(ctx.params.idpId!);
    if (!connector) throw unknownIdp();
    if (connector.responseMode !== mode) {
      throw new FederationError('invalid_response', `${connector.displayName} does not answer sign-ins this way. Go back to the app and sign in again.`, { idpId: connector.id });
    }
  }

  async function formPostHop(ctx: Context, params: Record<string, string>): Promise<void> {
    const connector = deps.registry.byId(ctx.params.idpId!)!;
    const saml = connector.type === 'saml';
    if (saml ? !params.SAMLResponse : !params.state) throw new FederationError('invalid_response', 'The sign-in response is empty. Go back to the app and sign in again.', { idpId: ctx.params.idpId });
    const fields = Object.entries(params).filter(([name]) => (saml ? SAML_HOP_FIELDS : OIDC_HOP_FIELDS).has(name));
    ctx.set('Cache-Control', 'no-store');
    await deps.renderer.page(ctx, 'form-post-hop', { action: ctx.path, fields });
  }

  async function finish(ctx: Context, params: Record<string, string>, keyName: string): Promise<void> {
    const idpId = ctx.params.idpId!;
    const connector = deps.registry.byId(idpId);
    if (!connector) throw unknownIdp();
    const key = params[keyName];
    const carried = key ? interactionUidIn(key) : undefined;
    const uid = carried ?? (key ? await deps.federationIndex.peek(key) : undefined);
    // The callback carries no interaction cookie: the interaction is found by the uid the state gives.
    const interaction = uid ? await deps.provider.Interaction.find(uid) : undefined;
    const journey = interaction ? journeyOf(interaction) : {};
    const stored = journey.upstream?.idpId === idpId ? journey.upstream : undefined;
    // Only the state this interaction sent last counts (a restart replaced the earlier one).
    const upstream = stored && safeEqual(key, pendingKey(stored.pending as unknown as PendingUpstream)) ? stored : undefined;
    // No sign-in in progress matches: an unsolicited response, accepted only from an IdP that opted in.
    if (!uid && keyName === 'RelayState' && connector.finishUnsolicited && deps.idpInitiated) return acceptUnsolicited(ctx, deps, deps.idpInitiated, connector, params);
    if (!interaction || !upstream) throw refuseUnknown(ctx, idpId, uid, unmatchedBecause(uid, interaction, stored));
    if (!isSameBrowser(ctx, upstream.browser, deps.secureCookies)) return refuseOtherBrowser(ctx, idpId, uid!);
    // This browser's sign-in: a failed answer (cancelled, refused, invalid) leads back to the app.
    offerReturnToApp(ctx, deps.provider, uid!, interaction.params.client_id);
    requirePrompt(interaction, 'login');
    // Single use: of two deliveries of one response, only the first gets past this line.
    const first = carried ? await deps.usedStates.claim(key!, ENGAGED_INTERACTION_TTL) : await deps.federationIndex.take(key!);
    if (!first) throw refuseUnknown(ctx, idpId, uid, 'already used');

    const pending = upstream.pending as unknown as PendingUpstream;
    let identity: UpstreamIdentity;
    try {
      identity = await connector.finish({ pending, callbackUrl: callbackUrl(deps.issuer, idpId, connector.responseMode), params });
      // Once checked here, a trusted upstream MFA is as fresh as the app asked (complete-sign-in.ts relies on it).
      requireFreshAuthentication(pending.reauthenticate, identity.authTime, connector);
    } catch (err) {
      // The attempt is over either way: a replayed or forged response cannot be retried against it.
      await saveJourney(interaction, { ...journey, upstream: undefined, identity: undefined });
      if (err instanceof FederationError) {
        const detail = upstreamFailureDetail(err);
        deps.logger.warn({ requestId: ctx.state.requestId, idpId, code: err.code, detail }, 'upstream sign-in failed');
        await deps.audit.record({ category: 'Authentication', activity: 'Upstream sign-in', result: 'failure', resultReason: err.code, actor: { type: 'system' }, details: { idpId }, correlationId: ctx.state.requestId });
        await deps.signIns?.failure(ctx, { userPrincipalName: journey.email, identityProvider: idpId, errorCode: err.code, failureReason: err.message, failureDetail: detail, interactionUid: uid });
      }
      throw err;
    }
    // From here on this request is a step of the sign-in, as /interaction/:uid is: its pages speak the
    // app's language, carry the form token and are not cached; a failed step is logged for its app.
    ctx.state.interactionUid = uid;
    askForLanguage(ctx, interaction.params.ui_locales);
    issueCsrfToken(ctx, deps.secureCookies);
    ctx.set('Cache-Control', 'no-store');
    const next = { ...journey, upstream: undefined, identity };
    // In memory only: the decision saves the interaction once (its result, or the page's state).
    setJourney(interaction, next);
    await finishSignIn(ctx, interaction, next, identity);
  }

  /**
   * The guest sees one page whatever did not match (telling a forger which check failed helps
   * only the forger); the log says which, so a refusal of real guests (an interaction store that
   * lost its keys, a state claimed twice) can be told from a replay.
   */
  function refuseUnknown(ctx: Context, idpId: string, uid: string | undefined, reason: string): HttpError {
    deps.logger.warn({ requestId: ctx.state.requestId, idpId, interactionUid: uid, reason }, 'upstream response refused');
    return responseUnknown();
  }

  /**
   * A response for a sign-in this browser did not start: a link someone else started and sent,
   * or a response planted from another site. Nothing is exchanged, stored or used up; the event
   * is audited, as it is what an account-takeover attempt looks like.
   */
  async function refuseOtherBrowser(ctx: Context, idpId: string, uid: string): Promise<never> {
    deps.logger.warn({ requestId: ctx.state.requestId, idpId, interactionUid: uid }, 'upstream response delivered by another browser');
    await deps.audit.record({ category: 'Authentication', activity: 'Upstream sign-in', result: 'failure', resultReason: 'browser_mismatch', actor: { type: 'system' }, details: { idpId }, correlationId: ctx.state.requestId });
    throw new FederationError(
      'browser_mismatch',
      'This sign-in was started in a different browser, so Foyer did not finish it. If someone sent you a sign-in link, do not use it: open the app yourself and sign in there.',
      { idpId },
    );
  }

  return router;
}

/**
 * A blocked organisation's address, or an IdP its organisation does not sign in with (an attacker
 * posting another IdP's id): refused before the browser goes anywhere or a code is mailed.
 */
export async function refuseIfScreenedOut(ctx: Context, deps: JourneyDeps, email: string | undefined, idpId: string): Promise<void> {
  const refused = email ? deps.partners?.screen(email, idpId) : undefined;
  if (!refused) return;
  await deps.signIns?.failure(ctx, { userPrincipalName: email, identityProvider: idpId, errorCode: refused.code, failureReason: refused.message });
  throw refused;
}

/** What the same-site hop re-submits: the response's own fields and nothing else a cross-site page added. */
const SAML_HOP_FIELDS = new Set(['SAMLResponse', 'RelayState']);
const OIDC_HOP_FIELDS = new Set(['code', 'state', 'iss', 'error', 'error_description', 'error_uri', 'user']);

function unknownIdp(): HttpError {
  return new HttpError(404, 'unknownIdentityProvider', 'This sign-in response is for an identity provider that is not configured here.');
}

/** Decides who the upstream identity is here and finishes (or continues) the sign-in (complete-sign-in.ts). */
export type FinishSignIn = (ctx: Context, details: InteractionDetails, journey: JourneyState, identity: UpstreamIdentity) => Promise<void>;

/**
 * The `state`/`RelayState` sent upstream: the interaction's uid, then 192 random bits (76 characters
 * with oidc-provider 9's 43-character uids, within SAML's 80-byte RelayState, which is why the random
 * part is not longer). The uid only finds the interaction; the whole value must equal the one stored in it.
 */
function upstreamState(uid: string): string {
  return `${uid}.${randomBytes(24).toString('base64url')}`;
}

const CARRIED_STATE = /^([A-Za-z0-9_-]{1,64})\.[A-Za-z0-9_-]{32}$/;

/** The interaction uid a state made by upstreamState carries, or undefined for any other value. */
function interactionUidIn(state: string): string | undefined {
  return CARRIED_STATE.exec(state)?.[1];
}

/** Which part of a callback found no sign-in to answer, for the log. */
function unmatchedBecause(uid: string | undefined, interaction: unknown, stored: unknown): string {
  if (!uid) return 'the state names no sign-in';
  if (!interaction) return 'no such interaction (expired, finished or gone from the store)';
  if (!stored) return 'no sign-in at this IdP in progress';
  return 'not the state this sign-in sent last';
}

function responseUnknown(): HttpError {
  return new HttpError(400, 'signInResponseUnknown', 'This sign-in response is unknown, expired, or was already used. Go back to the app and sign in again.');
}

function stringParams(input: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (input && typeof input === 'object') {
    for (const [k, v] of Object.entries(input)) if (typeof v === 'string') out[k] = v;
  }
  return out;
}
