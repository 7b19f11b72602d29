import type { Context } from 'koa';
import type { LinkedIdentity } from '../directory/identities-repository.js';
import type { User } from '../directory/user-model.js';
import { recordSignInTimes } from './sign-in-bookkeeping.js';
import { keepSignInLanguage } from './sign-in-language.js';
import { EMAIL_OTP_IDP_ID } from '../federation/email-passcode.js';
import type { UpstreamIdentity } from '../federation/upstream-identity.js';
import { upstreamMfaSatisfied } from '../federation/upstream-trust.js';
import { HttpError } from '../http/http-error.js';
import type { RedemptionProof } from '../invitations/redemption-service.js';
import { finishInteraction, type InteractionDetails } from './interaction-context.js';
import type { JourneyDeps } from './journey-deps.js';
import { journeyOf, saveJourney, type JourneyState } from './journey-state.js';
import { UpstreamIdentifierChanged } from './identifier-changed.js';
import { decideLink } from './link-identity.js';
import type { SendPasscode, StartUpstream } from './identify-step.js';
import { rememberSignIn } from './known-browser.js';
import { PASSCODE_IDP } from './home-realm-discovery.js';
import { clientName } from './interaction-context.js';
import { accountDisabled } from '../invitations/redemption-service.js';
import { accessExpired, accountRefusal } from '../directory/account-usable.js';
import { signInFacts } from '../access/sign-in-facts.js';
import { samlSessionResult } from './saml-sign-out.js';
import { withMethods, type AuthMethod } from '../strengths/authentication-methods.js';
import { strongestAcr } from '../strengths/strength-catalog.js';
import type { UpstreamMethod } from '../strengths/upstream-methods.js';

export const ACR_FEDERATED = 'urn:foyer:acr:federated';
export const ACR_MFA = 'urn:foyer:acr:mfa';

const LINK_REASONS = {
  trustedForDomains: 'verified email from an IdP trusted for the domain',
  partnerProvisioned: "first sign-in of a guest the partner's SCIM client provisioned, through the partner's own IdP",
} as const;

/**
 * Step 6 and the end of the login prompt: decide who the upstream identity is here (sign in,
 * redeem, link, or ask for proof of the invited address), then hand the login to oidc-provider.
 */
export function completeSignIn(deps: JourneyDeps, actions: { sendPasscode: SendPasscode; startUpstream: StartUpstream }) {
  const { sendPasscode } = actions;
  async function afterUpstream(ctx: Context, details: InteractionDetails): Promise<void> {
    const journey = journeyOf(details);
    if (!journey.identity) {
      ctx.redirect(`/interaction/${details.uid}`);
      return;
    }
    return decideAndFinish(ctx, details, journey, journey.identity);
  }

  async function decideAndFinish(ctx: Context, details: InteractionDetails, journey: JourneyState, identity: UpstreamIdentity): Promise<void> {
    const connector = deps.registry.byId(identity.idpId);
    if (deps.members && identity.idpId === deps.members.identity.idpId) return memberSignIn(ctx, details, identity, deps.members);
    const decision = await decideLink(
      { identity, redemption: journey.redemption, idp: connector },
      deps,
    ).catch(async (err: unknown) => {
      await failure(ctx, identity, err);
      throw err;
    });
    // A disabled account is refused before anything is written for it (an identity's last use, a
    // link, a mailed code): the attempt changes nothing. Redemption refuses it in the service.
    if ('user' in decision) await refuseDisabled(ctx, identity, decision.user);
    switch (decision.kind) {
      case 'signIn':
        await admit(ctx, identity, decision.user.id, decision.user.mail);
        return login(ctx, details, decision.user, identity, decision.linked);
      case 'redeem':
        return redeem(ctx, details, { invitationId: decision.invitationId, ticketHash: decision.ticketHash }, identity, decision.proof);
      case 'proveInvitedAddress':
        // No code is mailed to someone the partner settings refuse anyway.
        await admitForInvitation(ctx, identity, decision.invitationId);
        // The invitation may have been found without a ticket (just-in-time redemption): keep which one.
        await saveJourney(details, { ...journey, identity, redemption: { invitationId: decision.invitationId, ticketHash: decision.ticketHash } });
        return sendPasscode(ctx, details, decision.invitedEmail, 'proveInvitedAddress');
      case 'useLinkedIdp':
        return useLinkedIdp(ctx, details, decision.user, decision.idpIds);
      case 'link': {
        await admit(ctx, identity, decision.user.id, decision.user.mail);
        await deps.identities.link(decision.user.id, identity);
        await deps.audit.record({ category: 'UserManagement', activity: 'Link identity', result: 'success', actor: { type: 'user', id: decision.user.id }, target: { type: 'User', id: decision.user.id }, details: { idp: identity.idpId, reason: LINK_REASONS[decision.reason], ...(decision.reason === 'partnerProvisioned' ? { partner: decision.user.provisionedByPartner } : {}) }, correlationId: ctx.state.requestId });
        return login(ctx, details, decision.user, identity);
      }
    }
  }

  /** An answer of the members' own IdP: the member it proves, linked or created just in time; groups and roles from its claim. */
  async function memberSignIn(ctx: Context, details: InteractionDetails, identity: UpstreamIdentity, members: NonNullable<JourneyDeps['members']>): Promise<void> {
    let user: User | undefined;
    let linked: LinkedIdentity | undefined;
    try {
      const found = await deps.identities.findLinkedWithUser(identity);
      user = found?.user;
      if (user) linked = found!.identity;
      else {
        const resolved = await members.identity.resolve(identity, deps.registry.byId(identity.idpId), deps);
        if (resolved.user) {
          user = resolved.user;
          await deps.identities.link(user.id, identity);
          await deps.audit.record({ category: 'UserManagement', activity: 'Link identity', result: 'success', actor: { type: 'user', id: user.id }, target: { type: 'User', id: user.id }, details: { idp: identity.idpId, reason: "the members' IdP proved the member's address" }, correlationId: ctx.state.requestId });
        } else {
          user = await members.identity.createMember(resolved.create!, identity, { db: members.db, users: deps.users, identities: deps.identities, audit: deps.audit }, ctx.state.requestId);
        }
      }
      await members.identity.applyClaims(user, identity, { db: members.db });
    } catch (err) {
      await failure(ctx, identity, err, user?.id);
      throw err;
    }
    return login(ctx, details, user, identity, linked);
  }

  /** Sends a person who proved their address to the IdP their account is linked to (or lets them choose). */
  async function useLinkedIdp(ctx: Context, details: InteractionDetails, user: User, idpIds: string[]): Promise<void> {
    const usable = idpIds.filter((id) => (id === PASSCODE_IDP ? Boolean(deps.passcode) : Boolean(deps.registry.byId(id))));
    if (usable.length === 0) {
      throw new HttpError(403, 'identityProviderRemoved', 'The organisation account you signed in with before is no longer accepted here. Ask the person who invited you to reset your invitation so you can sign in another way.');
    }
    if (usable.length === 1) {
      if (usable[0] === PASSCODE_IDP) return sendPasscode(ctx, details, user.mail, 'signIn');
      return actions.startUpstream(ctx, details, usable[0]!, user.mail);
    }
    await saveJourney(details, { ...journeyOf(details), email: user.mail, identity: undefined });
    await deps.renderer.page(ctx, 'choose-idp', {
      appName: await clientName(deps.provider, details),
      email: user.mail,
      options: usable.map((id) => ({ id, displayName: id === PASSCODE_IDP ? 'Email me a one-time passcode' : deps.registry.byId(id)!.displayName })),
      actionBase: `/interaction/${details.uid}/idp`,
      restartUrl: `/interaction/${details.uid}`,
    });
  }

  async function redeem(ctx: Context, details: InteractionDetails, redemption: { invitationId: string; ticketHash: string }, identity: UpstreamIdentity, proof: RedemptionProof): Promise<void> {
    await admitForInvitation(ctx, identity, redemption.invitationId);
    const user = await deps.redemption.complete({ ...redemption, identity, proof }, ctx.state.requestId).catch(async (err: unknown) => {
      await deps.redemption.recordFailure(redemption.invitationId, err instanceof HttpError ? err.code : 'error', ctx.state.requestId);
      throw err;
    });
    return login(ctx, details, user, identity);
  }

  async function refuseDisabled(ctx: Context, identity: UpstreamIdentity, user: User): Promise<void> {
    const why = accountRefusal(user, deps.users.clock.now());
    if (!why) return;
    const refused = why === 'accessExpired' ? accessExpired() : accountDisabled();
    await failure(ctx, identity, refused, user.id);
    throw refused;
  }

  /** `linked`: the identity signed in with, when its last use is still to be recorded (a link or redemption writes it new). */
  async function login(ctx: Context, details: InteractionDetails, user: User, identity: UpstreamIdentity, linked?: LinkedIdentity): Promise<void> {
    await refuseDisabled(ctx, identity, user);
    // Independent writes, sent together; the login is handed over only once they are all done.
    await Promise.all([deps.partners?.remember(user.id, identity), recordSignInTimes(deps, user, linked), keepSignInLanguage(ctx, { users: deps.users, languages: deps.renderer.languages }, user)]);
    rememberSignIn(ctx, user.mail, identity.idpId, deps.secureCookies);
    const connector = deps.registry.byId(identity.idpId);
    // The home organisation's MFA counts only where the admin said to trust it (cross-tenant trust:
    // the partner's inboundTrust, with its maximum age). When the app asked for a fresh sign-in, the
    // callback already refused an older upstream authentication (upstream-freshness.ts).
    // Which of it counts as which method (upstreamMfa, upstreamPasskey) for authentication strengths
    // is decided in the same place (src/strengths/upstream-methods.ts), with its own maximum age.
    const passcode = identity.idpId === EMAIL_OTP_IDP_ID;
    const upstream: UpstreamMethod[] = passcode ? [] : deps.partners ? deps.partners.upstreamMethods(identity) : connector && upstreamMfaSatisfied(connector, identity) ? ['upstreamMfa'] : [];
    const trustedMfa = upstream.length > 0;
    const methods: AuthMethod[] = passcode ? ['emailOtp'] : withMethods(['federated'], ...upstream);
    const amr = passcode ? ['otp'] : ['fed', ...(trustedMfa ? ['mfa'] : [])];
    deps.logger.info({ requestId: ctx.state.requestId, userId: user.id, idpId: identity.idpId, amr, methods }, 'federated sign-in');
    await finishInteraction(details, ctx, {
      login: { accountId: user.id, amr, acr: strongestAcr(methods) ?? ACR_FEDERATED, remember: true, ...authenticatedAt(identity) },
      ...signInFacts(identity.idpId, undefined, methods),
      ...samlSessionResult(identity, connector),
    });
  }

  /** The partner settings for this identity signing in as this account; a refusal is logged and shown, and nothing is written. */
  async function admit(ctx: Context, identity: UpstreamIdentity, userId: string, email: string): Promise<void> {
    const refused = await deps.partners?.admit({ identity, userId, email });
    if (!refused) return;
    await failure(ctx, identity, refused, userId);
    throw refused;
  }

  async function admitForInvitation(ctx: Context, identity: UpstreamIdentity, invitationId: string): Promise<void> {
    if (!deps.partners) return;
    const invitation = await deps.invitations.findById(invitationId);
    if (invitation) await admit(ctx, identity, invitation.user_id, invitation.invited_email);
  }

  async function failure(ctx: Context, identity: UpstreamIdentity, err: unknown, userId?: string): Promise<void> {
    await deps.signIns?.failure(ctx, { userId, userPrincipalName: identity.email, identityProvider: identity.idpId, errorCode: err instanceof HttpError ? err.code : 'error', failureReason: err instanceof HttpError ? err.message : 'The sign-in could not be completed', failureDetail: err instanceof UpstreamIdentifierChanged ? err.adminDetail : undefined });
    await deps.audit.record({
      category: 'Authentication',
      activity: 'Federated sign-in',
      result: 'failure',
      resultReason: err instanceof HttpError ? err.code : 'error',
      actor: { type: 'system' },
      details: { idp: identity.idpId, email: identity.email ?? null },
      correlationId: ctx.state.requestId,
    });
  }

  return { afterUpstream, decideAndFinish, redeem };
}

/**
 * When the person authenticated, for the session (oidc-provider's login `ts`): the upstream's own
 * `auth_time` / `AuthnInstant` when it says, else now. An upstream that answered silently from an
 * old session of its own must not make Foyer's session look fresh: max_age, sign-in frequency and
 * the ID token's auth_time are measured from here, so an app asking max_age=300 after another app's
 * silent sign-in goes upstream again (with max_age) instead of getting a two-hour-old
 * authentication, and its trusted MFA, as new. A time in the future is taken as now.
 */
export function authenticatedAt(identity: Pick<UpstreamIdentity, 'authTime'>, now = Date.now()): { ts?: number } {
  const { authTime } = identity;
  if (authTime === undefined || !Number.isFinite(authTime)) return {};
  return { ts: Math.min(Math.floor(authTime), Math.floor(now / 1000)) };
}
