import type { AuditLog } from '../audit/audit-log.js';
import type { AppConfig } from '../config/apps-schema.js';
import type { InvitationsConfig } from '../config/invitations-schema.js';
import type { Database } from '../db/connect.js';
import type { IdentitiesRepository } from '../directory/identities-repository.js';
import { normalizeEmail, type User } from '../directory/user-model.js';
import { accountUsable } from '../directory/account-usable.js';
import type { UsersRepository } from '../directory/users-repository.js';
import { provenEmail, type EmailAuthority } from '../federation/email-authority.js';
import type { UpstreamIdentity } from '../federation/upstream-identity.js';
import { HttpError } from '../http/http-error.js';
import { nowIso } from '../lib/clock.js';
import { canonicalLanguageTag } from '../i18n/language-tag.js';
import { isDomainAllowed } from './domain-policy.js';
import { identityLinkedElsewhere } from './identity-linked-elsewhere.js';
import type { InvitationRow } from './invitation-model.js';
import type { InvitationsRepository } from './invitations-repository.js';
import { hashTicket } from './redeem-ticket.js';
import { appForRedirect } from './redirect-guard.js';
import { writeUsers } from '../directory/user-writes.js';

export type TicketState = 'valid' | 'redeemed' | 'expired' | 'revoked' | 'superseded' | 'notFound' | 'blockedDomain' | 'partnerRefused' | 'accountDisabled';

export interface TicketLookup {
  state: TicketState;
  invitation?: InvitationRow;
  user?: User;
  app?: AppConfig;
  /** Why the partner settings refuse this ticket (state partnerRefused): the error to show. */
  refusal?: HttpError;
}

/** Partner settings for a redemption link (src/partners/): the invited address, to the app it leads to. */
export interface TicketAdmission {
  ticket(invitation: InvitationRow, app: AppConfig | undefined): HttpError | undefined;
}

/**
 * How the guest proved they own the invited address; `complete` checks the proof itself, so no
 * caller can redeem on a claim alone.
 * - `upstreamEmail`: the IdP the identity came from proved the address (email-authority.ts);
 * - `emailPasscode`: a code mailed to `email` was entered in this sign-in;
 * - `existingIdentity`: the identity is already linked to the invited user (a re-redemption).
 */
export type RedemptionProof =
  | { kind: 'upstreamEmail'; idp: EmailAuthority | undefined }
  | { kind: 'emailPasscode'; email: string }
  | { kind: 'existingIdentity' };

/** Checks tickets and completes redemption: exactly once, and only with proof of the invited address. */
export class RedemptionService {
  constructor(
    private readonly deps: {
      db: Database;
      settings: InvitationsConfig;
      apps: AppConfig[];
      users: UsersRepository;
      identities: IdentitiesRepository;
      invitations: InvitationsRepository;
      audit: AuditLog;
      /** Checked for every pending ticket, so a link sent before a partner was blocked or limited stops working. */
      admission?: TicketAdmission;
    },
  ) {}

  async inspectTicket(ticket: string): Promise<TicketLookup> {
    return this.inspect(await this.deps.invitations.findByTicketHash(hashTicket(ticket)));
  }

  /** The same checks for a redemption in progress (the browser holds the id and the ticket hash). */
  async inspectPending(invitationId: string, ticketHash: string): Promise<TicketLookup> {
    const row = await this.deps.invitations.findById(invitationId);
    return this.inspect(row && row.ticket_hash === ticketHash ? row : undefined);
  }

  /** True when the IdP the identity came from proves the invited address (email-authority.ts). */
  static provesInvitedAddress(idp: EmailAuthority | undefined, identity: UpstreamIdentity, invitation: InvitationRow): boolean {
    return provenEmail(idp, identity) === normalizeEmail(invitation.invited_email);
  }

  /**
   * Links the identity to the invited user and marks everything Accepted in one transaction. The
   * conditional update of the invitation makes a second, concurrent redemption fail cleanly.
   */
  async complete(
    input: { invitationId: string; ticketHash: string; identity: UpstreamIdentity; proof: RedemptionProof },
    correlationId?: string,
  ): Promise<User> {
    const lookup = await this.inspectPending(input.invitationId, input.ticketHash);
    if (lookup.state !== 'valid') throw redemptionRefused(lookup);
    const invitation = lookup.invitation!;
    return this.deps.db.transaction(async (trx) => {
      if (!(await this.deps.invitations.markRedeemed(invitation.id, input.ticketHash, trx))) throw redemptionRefused('redeemed');
      const existing = await this.deps.identities.findLinked(input.identity, trx);
      if (existing && existing.userId !== invitation.user_id) {
        const owner = await this.deps.users.findById(existing.userId, trx);
        throw identityLinkedElsewhere({ signedInAs: input.identity.email, owner: owner?.mail, invitedEmail: invitation.invited_email });
      }
      if (!proves(input.proof, input.identity, invitation, existing?.userId === invitation.user_id)) {
        throw new HttpError(403, 'invitedAddressNotProven', `This invitation is for ${invitation.invited_email}, and the account you signed in with did not prove that address. Open the invitation link again and confirm the address with the emailed code.`);
      }
      if (!existing) {
        await this.deps.identities.link(invitation.user_id, { idpId: input.identity.idpId, issuer: input.identity.issuer, subject: input.identity.subject, email: input.identity.email }, trx);
      }
      // Only while the account is enabled: a disable that lands during the redemption rolls it all back.
      const accepted = await writeUsers(trx, invitation.user_id, (users) => users.where({ id: invitation.user_id, account_enabled: true }).update({ external_user_state: 'Accepted', external_user_state_changed_at: nowIso(), updated_at: nowIso() }));
      if (!accepted) throw accountDisabled();
      // The language the inviter wrote to the guest in becomes theirs, unless they (or an admin) have one.
      const language = invitation.message_language ? canonicalLanguageTag(invitation.message_language) : undefined;
      if (language) await this.deps.users.adoptPreferredLanguage(invitation.user_id, language, trx);
      await this.deps.audit.record(
        {
          category: 'Invitation',
          activity: 'Redeem invitation',
          result: 'success',
          actor: { type: 'user', id: invitation.user_id },
          target: { type: 'User', id: invitation.user_id },
          details: { invitationId: invitation.id, idp: input.identity.idpId, proof: input.proof.kind },
          correlationId,
        },
        trx,
      );
      return (await this.deps.users.findById(invitation.user_id, trx))!;
    });
  }

  async recordFailure(invitationId: string | undefined, reason: string, correlationId?: string): Promise<void> {
    await this.deps.audit.record({
      category: 'Invitation',
      activity: 'Redeem invitation',
      result: 'failure',
      resultReason: reason,
      actor: { type: 'system' },
      ...(invitationId ? { target: { type: 'Invitation', id: invitationId } } : {}),
      correlationId,
    });
  }

  private async inspect(row: InvitationRow | undefined): Promise<TicketLookup> {
    if (!row) return { state: 'notFound' };
    const user = await this.deps.users.findById(row.user_id);
    const app = appForRedirect(row.invite_redirect_url, this.deps.apps);
    const base = { invitation: row, user, app };
    if (!user) return { state: 'notFound' };
    if (row.status === 'Completed') return { ...base, state: 'redeemed' };
    if (row.status === 'Revoked') return { ...base, state: 'revoked' };
    if (row.status === 'Superseded') return { ...base, state: 'superseded' };
    if (row.expires_at <= nowIso()) return { ...base, state: 'expired' };
    // A disabled guest's pending invitation, or one whose access has ended, is not redeemed: no identity linked, nothing accepted.
    if (!accountUsable(user, this.deps.users.clock.now())) return { ...base, state: 'accountDisabled' };
    // Checked again here: a domain blocked after the invitation was sent cannot redeem it.
    if (!isDomainAllowed(row.invited_email, this.deps.settings)) return { ...base, state: 'blockedDomain' };
    const refusal = this.deps.admission?.ticket(row, app);
    if (refusal) return { ...base, state: 'partnerRefused', refusal };
    return { ...base, state: 'valid' };
  }
}

function proves(proof: RedemptionProof, identity: UpstreamIdentity, invitation: InvitationRow, alreadyLinked: boolean): boolean {
  switch (proof.kind) {
    case 'upstreamEmail':
      return RedemptionService.provesInvitedAddress(proof.idp, identity, invitation);
    case 'emailPasscode':
      return normalizeEmail(proof.email) === normalizeEmail(invitation.invited_email);
    case 'existingIdentity':
      return alreadyLinked;
  }
}

const REFUSALS: Record<Exclude<TicketState, 'valid'>, [number, string, string]> = {
  redeemed: [409, 'invitationAlreadyRedeemed', 'This invitation has already been accepted. Sign in to the app instead.'],
  expired: [410, 'invitationExpired', 'This invitation has expired. Ask the person who invited you to send a new one.'],
  revoked: [410, 'invitationRevoked', 'This invitation was withdrawn. Ask the person who invited you if you still need access.'],
  superseded: [410, 'invitationReplaced', 'A newer invitation replaced this one. Use the link in the most recent invitation email.'],
  notFound: [404, 'invitationNotFound', 'This invitation link is not valid. Check that you copied the whole link, or ask for a new invitation.'],
  blockedDomain: [403, 'invitationDomainBlocked', 'Invitations to your email domain are no longer allowed by this organisation. Contact the person who invited you.'],
  accountDisabled: [403, 'accountDisabled', 'Your access here has been disabled. Ask the person who shares the app with you.'],
  partnerRefused: [403, 'partnerBlocked', 'The settings for your organisation no longer let you accept this invitation. Contact the person who invited you.'],
};

/** A disabled account's sign-in or redemption: refused before anything is written for it. */
export function accountDisabled(): HttpError {
  const [status, code, message] = REFUSALS.accountDisabled;
  return new HttpError(status, code, message);
}

/** The error for a ticket that cannot be redeemed: by its state, or the lookup's own refusal (partner settings). */
export function redemptionRefused(what: Exclude<TicketState, 'valid'> | TicketLookup): HttpError {
  if (typeof what !== 'string' && what.refusal) return what.refusal;
  const state = typeof what === 'string' ? what : what.state === 'valid' ? 'notFound' : what.state;
  const [status, code, message] = REFUSALS[state];
  return new HttpError(status, code, message);
}
