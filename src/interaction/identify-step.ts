import type { Context } from 'koa';
import { z } from 'zod';
import { HttpError } from '../http/http-error.js';
import { clearRedemptionCookie, readRedemptionCookie } from '../invitations/redemption-cookie.js';
import { PORTAL_CLIENT_ID } from '../portal/portal-client.js';
import { redemptionRefused } from '../invitations/redemption-service.js';
import { discoverHomeRealm, PASSCODE_IDP, type Discovery } from './home-realm-discovery.js';
import { rememberedIdps } from './known-browser.js';
import { clientName, type InteractionDetails } from './interaction-context.js';
import type { JourneyDeps } from './journey-deps.js';
import { journeyOf, saveJourney, setJourney, type JourneyState } from './journey-state.js';

const emailInput = z.email().max(320);

/**
 * Identifier first: the email (typed, hinted, or the invited address) decides how the person signs
 * in. Members get the password form; guests go to their home IdP, a chooser, or an emailed code.
 */
export function identifyStep(deps: JourneyDeps, actions: { startUpstream: StartUpstream; startUpstreamQuietly: StartUpstreamQuietly; sendPasscode: SendPasscode }) {
  async function showIdentify(ctx: Context, details: InteractionDetails, extra: { error?: string; email?: string; status?: number } = {}) {
    await deps.renderer.page(
      ctx,
      'identify',
      { appName: await clientName(deps.provider, details), action: `/interaction/${details.uid}/identify`, abortUrl: `/interaction/${details.uid}/abort`, ...extra },
      extra.status ?? 200,
    );
  }

  /** The first page of a login prompt: picks up a redemption or a login_hint, else asks for the email. */
  async function begin(ctx: Context, details: InteractionDetails): Promise<void> {
    const journey = journeyOf(details);
    const redemption = readRedemptionCookie(ctx);
    // Only the sign-in that accepting the invitation started takes it (its nonce), and only once.
    if (redemption && !journey.redemption && details.params.client_id === PORTAL_CLIENT_ID && details.params.nonce === redemption.nonce) {
      clearRedemptionCookie(ctx, deps.secureCookies);
      const lookup = await deps.redemption.inspectPending(redemption.invitationId, redemption.ticketHash);
      if (lookup.state !== 'valid' && lookup.state !== 'redeemed') throw redemptionRefused(lookup);
      if (lookup.state === 'valid') {
        journey.redemption = { invitationId: redemption.invitationId, ticketHash: redemption.ticketHash };
        journey.email = lookup.invitation!.invited_email;
        await saveJourney(details, journey);
      }
    }
    const start = hintedStart(details, journey);
    if (!start) return showIdentify(ctx, details);
    return route(ctx, details, start.journey, start.domainHint);
  }

  /**
   * At the authorization endpoint, on the interaction oidc-provider has just saved: when the request
   * alone (its login_hint or domain_hint) sends the person to one upstream IdP, which is what `begin`
   * would do on the interaction page without asking anything, start that sign-in now and answer true.
   * In every other case answer false having written and logged nothing, so the interaction page
   * decides exactly as before: no hint, a redemption to take (begin clears its cookie), the password
   * form, a chooser, the emailed passcode, an address screened out, an upstream that cannot start.
   */
  async function startFromAuthorization(ctx: Context, details: InteractionDetails): Promise<boolean> {
    if (readRedemptionCookie(ctx)) return false;
    const start = hintedStart(details, journeyOf(details));
    if (!start) return false;
    const discovery = await discover(ctx, start.journey, start.domainHint);
    if (discovery.kind !== 'idp' || discovery.idpId === PASSCODE_IDP) return false;
    // A new interaction's journey is only the address, which the upstream start saves with its state.
    return actions.startUpstreamQuietly(ctx, details, discovery.idpId, start.journey.email);
  }

  async function submit(ctx: Context, details: InteractionDetails): Promise<void> {
    const parsed = emailInput.safeParse((ctx.request.body as Record<string, unknown> | undefined)?.email?.toString().trim());
    if (!parsed.success) return showIdentify(ctx, details, { error: deps.renderer.translator(ctx).t('signIn.invalidEmail'), status: 400 });
    const journey = journeyOf(details);
    if (journey.redemption) return route(ctx, details, journey);
    return route(ctx, details, { ...journey, email: parsed.data });
  }

  async function route(ctx: Context, details: InteractionDetails, journey: JourneyState, domainHint?: string): Promise<void> {
    const discovery = await discover(ctx, journey, domainHint);
    // Sending the guest on (upstream or passcode) saves the journey there; a page shown here saves it now.
    if (discovery.kind === 'idp') setJourney(details, journey);
    else await saveJourney(details, journey);
    switch (discovery.kind) {
      case 'askEmail':
        return showIdentify(ctx, details);
      case 'password':
        return deps.renderer.page(ctx, 'login', {
          appName: await clientName(deps.provider, details),
          action: `/interaction/${details.uid}/login`,
          abortUrl: `/interaction/${details.uid}/abort`,
          email: journey.email,
          passkey: await deps.passwordless?.option(details),
          forgotPasswordUrl: deps.forgotPasswordUrl,
        });
      case 'idp':
        if (discovery.idpId === PASSCODE_IDP) return actions.sendPasscode(ctx, details, journey.email!, 'signIn');
        return actions.startUpstream(ctx, details, discovery.idpId, journey.email);
      case 'choose':
        return deps.renderer.page(ctx, 'choose-idp', {
          appName: await clientName(deps.provider, details),
          email: journey.email ?? '',
          options: discovery.options,
          actionBase: `/interaction/${details.uid}/idp`,
          restartUrl: `/interaction/${details.uid}`,
        });
      case 'unavailable':
        if (discovery.reason === 'idpRemoved') {
          throw new HttpError(403, 'identityProviderRemoved', 'The organisation account you signed in with before is no longer accepted here. Ask the person who invited you to reset your invitation so you can sign in another way.');
        }
        throw new HttpError(403, 'noSignInMethod', 'There is no way for this address to sign in here. Ask the person who shares the app with you to invite you.');
    }
  }

  /** Home-realm discovery for the journey's address (or the domain hint): the one decision both callers share. */
  async function discover(ctx: Context, journey: JourneyState, domainHint?: string): Promise<Discovery> {
    // A disabled account is refused only after it has authenticated, so this page reveals nothing.
    // The user and their identities in one query (one round trip on PostgreSQL).
    const found = journey.email ? await deps.identities.userByEmailWithIdentities(journey.email) : undefined;
    const user = found?.user;
    const linked = found?.identities ?? [];
    const remembered = journey.email ? rememberedIdps(ctx, journey.email) : [];
    return discoverHomeRealm({
      email: journey.email,
      domainHint,
      user: user ? { hasPassword: user.hasPassword } : undefined,
      // Only the IdPs this browser signed in with for this address (known-browser.ts): elsewhere the
      // page answers as for any address of the domain, and the address is proven before it steers.
      linkedIdpIds: journey.email ? [...new Set(linked.map((i) => i.idpId))].filter((id) => remembered.includes(id)) : [],
      memberDomains: deps.memberDomains,
      idps: deps.registry.list().map((c) => ({ id: c.id, type: c.type, displayName: c.displayName, domains: [...c.domains] })),
      passcodeEnabled: Boolean(deps.passcode),
      partnerIdps: journey.email ? deps.partners?.identityProvidersFor(journey.email) : undefined,
      memberIdp: deps.members?.identity,
    });
  }

  return { begin, submit, showIdentify, startFromAuthorization };
}

/**
 * What the sign-in starts from without asking: the invited address, else a valid login_hint, and
 * the domain_hint; undefined when there is neither (the email page asks).
 */
function hintedStart(details: InteractionDetails, journey: JourneyState): { journey: JourneyState; domainHint?: string } | undefined {
  const hint = emailInput.safeParse(details.params.login_hint);
  const email = journey.email ?? (hint.success ? hint.data : undefined);
  const domainHint = typeof details.params.domain_hint === 'string' ? details.params.domain_hint : undefined;
  if (!email && !domainHint) return undefined;
  return { journey: { ...journey, email }, domainHint };
}

export type StartUpstream = (ctx: Context, details: InteractionDetails, idpId: string, email?: string) => Promise<void>;
/** startUpstream from the authorization endpoint: false, with nothing logged or written, where startUpstream would refuse or fail to start. */
export type StartUpstreamQuietly = (ctx: Context, details: InteractionDetails, idpId: string, email?: string) => Promise<boolean>;
export type SendPasscode = (ctx: Context, details: InteractionDetails, email: string, purpose: 'signIn' | 'proveInvitedAddress') => Promise<void>;
