import type { IdentitiesRepository, LinkedIdentity } from '../directory/identities-repository.js';
import { normalizeEmail, type User } from '../directory/user-model.js';
import { accountUsable } from '../directory/account-usable.js';
import type { UsersRepository } from '../directory/users-repository.js';
import type { UpstreamIdentity } from '../federation/upstream-identity.js';
import { linkableEmail, provenEmail, type EmailAuthority } from '../federation/email-authority.js';
import type { InvitationsRepository } from '../invitations/invitations-repository.js';
import { identityLinkedElsewhere } from '../invitations/identity-linked-elsewhere.js';
import { redemptionRefused, type RedemptionProof, type RedemptionService } from '../invitations/redemption-service.js';
import { HttpError } from '../http/http-error.js';
import { UpstreamIdentifierChanged } from './identifier-changed.js';

export type LinkDecision =
  | { kind: 'signIn'; user: User; linked: LinkedIdentity }
  /** Redeem this invitation with this identity, on this proof of the invited address (checked again by the redemption). */
  | { kind: 'redeem'; invitationId: string; ticketHash: string; proof: RedemptionProof }
  /** Redeeming, but the upstream did not prove the invited address: ask for an emailed code. */
  | { kind: 'proveInvitedAddress'; invitationId: string; ticketHash: string; invitedEmail: string }
  /** Link this identity to the user: by a domain-trusted IdP's proven email, or as the first sign-in of a partner-provisioned guest through that partner's IdP. */
  | { kind: 'link'; user: User; reason: 'trustedForDomains' | 'partnerProvisioned' }
  /**
   * The upstream proved the address of a user who signs in with another IdP: send them there. The
   * proof came first, so naming where this person signs in reveals nothing to someone else.
   */
  | { kind: 'useLinkedIdp'; user: User; idpIds: string[] };

export interface LinkInput {
  identity: UpstreamIdentity;
  redemption?: { invitationId: string; ticketHash: string };
  /** The IdP the identity came from: which domains it is authoritative for, and whether it may link existing users by them. */
  idp?: EmailAuthority & { trustedForDomains: boolean; displayName?: string };
}

export interface LinkDeps {
  users: UsersRepository;
  identities: IdentitiesRepository;
  invitations: InvitationsRepository;
  redemption: RedemptionService;
  /** Which partner owns an IdP as its own (a dedicated IdP, src/config/partners-schema.ts); absent: no partners configured. */
  partners?: { partnerOfIdp(idpId: string): string | undefined };
}

/**
 * DESIGN.md step 6. Find the guest by (issuer, subject); otherwise redeem an invitation whose
 * address the upstream *proved* (an IdP authoritative for the domain, email-authority.ts), or ask
 * for proof by emailed code; link an existing user only through an IdP trusted for that email
 * domain. Never by an unverified email, and never by one an IdP is not authoritative for.
 */
export async function decideLink(input: LinkInput, deps: LinkDeps): Promise<LinkDecision> {
  const { identity } = input;
  // The identity and its user in one query: a returning guest's sign-in needs nothing else here.
  const found = await deps.identities.findLinkedWithUser(identity);
  const linked = found?.identity;

  if (input.redemption) {
    const lookup = await deps.redemption.inspectPending(input.redemption.invitationId, input.redemption.ticketHash);
    if (lookup.state !== 'valid') throw redemptionRefused(lookup);
    const invitation = lookup.invitation!;
    if (linked && linked.userId !== invitation.user_id) {
      const owner = found?.user;
      throw identityLinkedElsewhere({ signedInAs: identity.email ?? linked.email ?? undefined, idpName: input.idp?.displayName, owner: owner?.mail, invitedEmail: invitation.invited_email });
    }
    if (linked) return { kind: 'redeem', ...input.redemption, proof: { kind: 'existingIdentity' } };
    return redeemOrProve(input, input.redemption, invitation.invited_email);
  }

  if (linked) {
    const user = found?.user;
    if (!user) throw noAccount(identity);
    return { kind: 'signIn', user, linked };
  }

  if (identity.email) {
    const user = await deps.users.findByEmail(identity.email);
    // A disabled guest's invitation, or one whose access has ended, is not redeemed just in time (nor a code mailed for it).
    if (user?.externalUserState === 'PendingAcceptance' && accountUsable(user, deps.users.clock.now())) {
      // Just-in-time redemption (Entra's direct-link redemption): the guest went straight to the
      // app. An IdP that proves the invited address redeems the pending invitation; any other
      // must have the address confirmed by an emailed code first.
      const pending = await deps.invitations.findPendingForUser(user.id);
      if (pending?.ticket_hash) return redeemOrProve(input, { invitationId: pending.id, ticketHash: pending.ticket_hash }, pending.invited_email);
    }
    if (user && provenEmail(input.idp, identity) === normalizeEmail(user.mail)) {
      // Checked before linking by a trusted domain: an account this IdP already names differently is never linked again by email.
      const fromThisIdp = (await deps.identities.listForUser(user.id)).filter((i) => i.idpId === identity.idpId && i.subject !== identity.subject);
      if (fromThisIdp.length) throw new UpstreamIdentifierChanged(user, identity, fromThisIdp);
    }
    if (user && (await provisionedForThisIdp(user, input, deps))) return { kind: 'link', user, reason: 'partnerProvisioned' };
    if (user && input.idp && linkableEmail(input.idp, identity)) return { kind: 'link', user, reason: 'trustedForDomains' };
    if (user && provenEmail(input.idp, identity) === normalizeEmail(user.mail)) {
      const idpIds = [...new Set((await deps.identities.listForUser(user.id)).map((i) => i.idpId))].filter((id) => id !== identity.idpId);
      if (idpIds.length) return { kind: 'useLinkedIdp', user, idpIds };
    }
  }
  throw noAccount(identity);
}

/**
 * A guest a partner's SCIM client provisioned has no invitation: its first sign-in links it, once,
 * when the identity comes from an IdP that partner owns and that IdP proves the provisioned address
 * (email-authority.ts: verified, and within the IdP's own domains). Another partner's IdP, a
 * consumer IdP (Google, GitHub), the email passcode or an unverified email never link it; nor does
 * anything once the guest has an identity (a second subject from the same IdP was refused above).
 */
async function provisionedForThisIdp(user: User, input: LinkInput, deps: LinkDeps): Promise<boolean> {
  if (!user.provisionedByPartner || user.userType !== 'Guest' || !deps.partners) return false;
  if (deps.partners.partnerOfIdp(input.identity.idpId) !== user.provisionedByPartner) return false;
  if (provenEmail(input.idp, input.identity) !== normalizeEmail(user.mail)) return false;
  return (await deps.identities.listForUser(user.id)).length === 0;
}

function redeemOrProve(input: LinkInput, redemption: { invitationId: string; ticketHash: string }, invitedEmail: string): LinkDecision {
  if (provenEmail(input.idp, input.identity) === normalizeEmail(invitedEmail)) return { kind: 'redeem', ...redemption, proof: { kind: 'upstreamEmail', idp: input.idp } };
  return { kind: 'proveInvitedAddress', ...redemption, invitedEmail };
}
function noAccount(identity: UpstreamIdentity): HttpError {
  const who = identity.email ? ` as ${identity.email}` : '';
  return new HttpError(
    403,
    'noInvitation',
    `You signed in${who}, but that account has not been invited here. Ask the person who shares the app with you to invite this address, or sign in with the account you were invited with.`,
  );
}
