/**
 * Opt-in IdP-initiated SAML sign-in (allowIdpInitiated: { app } on a SAML IdP). An unsolicited
 * Response answers no request Foyer made, so nothing ties it to this browser or this person: an
 * attacker can post their own valid response from any page (login CSRF). Foyer therefore
 *  1. verifies it as fully as a solicited one (saml-connector.ts finishUnsolicited) and uses its
 *     assertion ID once, on every node (SamlAssertionIds.useOnce);
 *  2. keeps the identity server-side under a fresh browser-binding value, never in anything the
 *     browser carries, and sends the browser to the app's launchUrl, so the app starts an ordinary
 *     authorization request (state, nonce, PKCE are the app's own);
 *  3. when that app's interaction arrives in the same browser, asks "Continue as …?" and acts only on
 *     the CSRF-protected POST of that page, then continues through the usual rules (partner
 *     admission, disabled account, linking and invitation proof: complete-sign-in.ts).
 * docs/security.md states the risks.
 */
import type { Context } from 'koa';
import type { Connector } from '../federation/connector.js';
import { FederationError } from '../federation/federation-error.js';
import type { UpstreamIdentity } from '../federation/upstream-identity.js';
import { HttpError } from '../http/http-error.js';
import { browserBindingOf, rebindBrowser } from './browser-binding.js';
import type { InteractionDetails } from './interaction-context.js';
import type { IdpInitiatedDeps, JourneyDeps } from './journey-deps.js';
import { journeyOf, saveJourney } from './journey-state.js';
import { upstreamFailureDetail } from './upstream-failure.js';

/** How long the guest has, after the IdP's post, to arrive at the app's sign-in and confirm. */
const PENDING_TTL_SECONDS = 600;

interface PendingIdpInitiated {
  idpId: string;
  app: string;
  identity: UpstreamIdentity;
}

const keyOf = (bindingHash: string) => `idp-initiated:${bindingHash}`;

/** At the ACS: a response matching no sign-in in progress, from an IdP that opted in. */
export async function acceptUnsolicited(ctx: Context, deps: JourneyDeps, idp: IdpInitiatedDeps, connector: Connector, params: Record<string, string>): Promise<void> {
  const idpId = connector.id;
  const app = connector.idpInitiatedApp!;
  let signIn;
  try {
    signIn = await connector.finishUnsolicited!(params);
    if (!(await idp.assertionIds.useOnce(idpId, signIn.assertionId, signIn.notOnOrAfter))) {
      // The code a replayed solicited response gets too.
      throw new HttpError(400, 'signInResponseUnknown', 'This sign-in response is unknown, expired, or was already used. Open the app again from your organisation’s portal.');
    }
    // A blocked organisation's address is refused here, before anything is kept for the browser.
    const refused = signIn.identity.email ? deps.partners?.screen(signIn.identity.email, idpId) : undefined;
    if (refused) throw refused;
  } catch (err) {
    const code = err instanceof FederationError ? err.code : err instanceof HttpError ? err.code : 'error';
    const detail = err instanceof FederationError ? upstreamFailureDetail(err) : undefined;
    deps.logger.warn({ requestId: ctx.state.requestId, idpId, code, detail }, 'IdP-initiated sign-in refused');
    await deps.audit.record({ category: 'Authentication', activity: 'IdP-initiated sign-in', result: 'failure', resultReason: code, actor: { type: 'system' }, details: { idpId }, correlationId: ctx.state.requestId });
    throw err;
  }
  const launchUrl = idp.launchUrlOf(app);
  if (!launchUrl) throw new HttpError(400, 'idpInitiatedAppUnavailable', 'The app this sign-in is for is not available. Open it yourself and sign in there.');
  const binding = rebindBrowser(ctx, deps.secureCookies);
  const record: PendingIdpInitiated = { idpId, app, identity: signIn.identity };
  await idp.pending.upsert(keyOf(binding), record as unknown as Record<string, unknown>, PENDING_TTL_SECONDS);
  await deps.audit.record({ category: 'Authentication', activity: 'IdP-initiated sign-in', result: 'success', resultReason: 'awaiting_confirmation', actor: { type: 'system' }, details: { idpId, app }, correlationId: ctx.state.requestId });
  ctx.set('Cache-Control', 'no-store');
  ctx.status = 303;
  ctx.redirect(launchUrl);
}

/** The pending IdP-initiated sign-in of this browser for this interaction's app, if any. */
export async function pendingFor(ctx: Context, deps: JourneyDeps, idp: IdpInitiatedDeps, details: InteractionDetails): Promise<PendingIdpInitiated | undefined> {
  const binding = browserBindingOf(ctx, deps.secureCookies);
  if (!binding) return undefined;
  const found = (await idp.pending.find(keyOf(binding))) as PendingIdpInitiated | undefined;
  return found && found.app === String(details.params.client_id) ? found : undefined;
}

/** The "Continue as …?" page. */
export async function showConfirmation(ctx: Context, deps: JourneyDeps, details: InteractionDetails, pending: PendingIdpInitiated): Promise<void> {
  const client = await deps.provider.Client.find(pending.app);
  await deps.renderer.page(ctx, 'idp-initiated-confirm', {
    account: pending.identity.email ?? pending.identity.subject,
    idpName: deps.registry.byId(pending.idpId)?.displayName ?? pending.idpId,
    appName: client?.clientName ?? pending.app,
    action: `/interaction/${details.uid}/idp-initiated`,
    abortUrl: `/interaction/${details.uid}/abort`,
    csrfToken: ctx.state.csrfToken,
  });
}

/**
 * The confirmation's POST (CSRF-checked by the router): takes the pending sign-in (single use) of
 * this browser, and puts its identity where an upstream's answer goes; the caller continues as after
 * any upstream sign-in.
 */
export async function confirm(ctx: Context, deps: JourneyDeps, idp: IdpInitiatedDeps, details: InteractionDetails): Promise<void> {
  const pending = await pendingFor(ctx, deps, idp, details);
  const binding = browserBindingOf(ctx, deps.secureCookies);
  if (!pending || !binding || !(await idp.pending.take(keyOf(binding)))) {
    throw new HttpError(400, 'idpInitiatedSignInUnknown', 'There is no sign-in from your organisation waiting in this browser. Sign in from the app instead.');
  }
  const journey = journeyOf(details);
  await saveJourney(details, { ...journey, upstream: undefined, identity: pending.identity });
}
