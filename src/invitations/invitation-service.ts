import { randomUUID } from 'node:crypto';
import type { AuditLog } from '../audit/audit-log.js';
import type { AppConfig } from '../config/apps-schema.js';
import type { InvitationsConfig } from '../config/invitations-schema.js';
import type { Database } from '../db/connect.js';
import type { IdentitiesRepository } from '../directory/identities-repository.js';
import { Sponsors } from '../directory/sponsors.js';
import type { UserLifecycle } from '../directory/user-lifecycle.js';
import type { User } from '../directory/user-model.js';
import type { UsersRepository } from '../directory/users-repository.js';
import { HttpError } from '../http/http-error.js';
import type { PageRenderer } from '../http/render.js';
import { isoIn, nowIso } from '../lib/clock.js';
import { MailDeliveryError, type Mailer } from '../mail/mailer.js';
import { recoverAccount, requireRecoveryRight } from './account-recovery.js';
import { emailDomain, isDomainAllowed } from './domain-policy.js';
import type { CreateInvitationInput } from './invitation-input.js';
import { sendInvitationMail } from './invitation-mail.js';
import { toGraphInvitation, type GraphInvitation, type InvitationRow } from './invitation-model.js';
import type { InvitationsRepository } from './invitations-repository.js';
import { invitationReach, inviterId, mayInvite, mayInviteMembers, type InvitationReach, type Inviter } from './inviter.js';
import { newTicket } from './redeem-ticket.js';
import { appForRedirect } from './redirect-guard.js';
import { writeUsers } from '../directory/user-writes.js';
import { refuseEndedWithoutNewEnd } from './access-end-required.js';

export interface InvitationServiceDeps {
  db: Database;
  issuer: string;
  tenantName: string;
  /** tenant.memberDomains: people at these domains are members here, never invited as guests. */
  memberDomains: readonly string[];
  settings: InvitationsConfig;
  apps: AppConfig[];
  users: UsersRepository;
  identities: IdentitiesRepository;
  invitations: InvitationsRepository;
  audit: AuditLog;
  mailer: Mailer;
  renderer: PageRenderer;
  /** Ends a reset account's sessions and refresh tokens (after the reset's commit). */
  lifecycle: Pick<UserLifecycle, 'revokeSessions' | 'enableAfterSweepIn'>;
  /** My Apps as a redirect target (its exact URL only): where a guest invited into a group lands. */
  portalApp?: AppConfig;
  /** Partner settings at invitation (src/partners/): who may be invited, and an invitation's defaults. */
  admission?: InvitationAdmission;
}

/** What the partner organisations say about inviting an address (every caller: API, CLI, My Apps). */
export interface InvitationAdmission {
  /** Throws an HttpError (403, a stable code) when the address may not be invited to the app. */
  check(email: string, appId: string): void;
  /** The partner's defaults for an invitation to this address. */
  defaults(email: string): { ticketTtlDays?: number; sponsor?: string; message?: string };
}

/** Work an inviter adds to the invitation's transaction (an owner assigns the new guest to their app or group). */
export type InvitationAddOn = (user: User, trx: Database) => Promise<void>;

/** Creates, resends, revokes and resets invitations. Each operation is one transaction. */
export class InvitationService {
  private readonly sponsors: Sponsors;

  constructor(private readonly deps: InvitationServiceDeps) {
    this.sponsors = new Sponsors({ db: deps.db, audit: deps.audit });
  }

  redeemUrl(ticket: string): string {
    return `${this.deps.issuer}/redeem?t=${ticket}`;
  }

  /**
   * Invites, or with `resetRedemption` recovers an account (account-recovery.ts decides who may).
   * A reset's sessions and refresh tokens are revoked after the commit, as UserLifecycle does.
   */
  async create(input: CreateInvitationInput, inviter: Inviter, correlationId?: string, within?: InvitationAddOn): Promise<GraphInvitation> {
    const { invitations, audit } = this.deps;
    const { right, email, app, partner, requested } = this.admit(input, inviter);
    // Kept as the URL parser reads it (`http:/\\app/x` becomes `http://app/x`), so what is stored and
    // later sent to the browser is what was checked, with no parser left to disagree.
    const redirectUrl = new URL(requested).href;
    const actor = { type: inviter.type, id: inviterId(inviter) ?? undefined };

    const result = await this.deps.db.transaction(async (trx) => {
      const recovered = right ? await recoverAccount(this.deps, { userId: input.invitedUser!.id, address: email, right }, trx) : undefined;
      const user = recovered?.user ?? (await this.resolveInvitedUser(input, inviter, trx));
      // Before anything this invitation writes is kept or mailed (a throw rolls the reset back).
      refuseEndedWithoutNewEnd(user, input.accessExpirationDateTime, this.now());
      if (within) await within(user, trx);
      if (input.accessExpirationDateTime && user.userType === 'Guest') {
        await writeUsers(trx, user.id, (users) => users.where({ id: user.id }).update({ access_expires_at: input.accessExpirationDateTime, expiry_notified_at: null }));
        // The new end is the way back: an account the expiry sweep switched off comes back on with it
        // (never one an administrator or the guest switched off), so the link mailed below can work.
        await this.deps.lifecycle.enableAfterSweepIn(trx, user.id, actor, { reason: 'newAccessEnd', invitation: true, accessExpirationDateTime: input.accessExpirationDateTime }, correlationId);
      }
      if (user.userType === 'Guest') await this.sponsors.setInitial(user.id, await this.initialSponsors(input, inviter, partner.sponsor, trx), actor, trx, correlationId);
      // An accepted guest gets no ticket: a redeem link for them would be a way into their account.
      const alreadyAccepted = user.externalUserState === 'Accepted';
      const ticket = alreadyAccepted ? undefined : newTicket();
      await invitations.supersedePending(user.id, trx);
      const row: InvitationRow = {
        id: randomUUID(),
        user_id: user.id,
        invited_email: email,
        invite_redirect_url: redirectUrl,
        ticket_hash: ticket?.hash ?? null,
        status: alreadyAccepted ? 'Completed' : 'PendingAcceptance',
        invited_user_type: user.userType,
        invited_by_type: inviter.type,
        invited_by_id: inviterId(inviter),
        invited_by_name: inviter.displayName,
        message_body: input.invitedUserMessageInfo?.customizedMessageBody ?? partner.message ?? null,
        cc_recipients: JSON.stringify(input.invitedUserMessageInfo?.ccRecipients?.map((c) => c.emailAddress.address) ?? []),
        message_language: input.invitedUserMessageInfo?.messageLanguage ?? null,
        send_invitation_message: input.sendInvitationMessage,
        sent_count: 0,
        last_sent_at: null,
        expires_at: isoIn((partner.ticketTtlDays ?? this.deps.settings.ticketTtlDays) * 86400),
        created_at: nowIso(),
        redeemed_at: alreadyAccepted ? nowIso() : null,
        revoked_at: null,
      };
      await invitations.insert(row, trx);
      // The accepted guest's link simply takes them to the app, where they sign in.
      const redeemUrl = ticket ? this.redeemUrl(ticket.ticket) : redirectUrl;
      if (input.sendInvitationMessage) await this.mail(row, user, redeemUrl, app, trx);
      await audit.record(
        {
          category: 'Invitation',
          activity: recovered ? 'Reset redemption' : 'Invite external user',
          result: 'success',
          actor,
          target: { type: 'User', id: user.id },
          details: { invitationId: row.id, invitedEmail: email, app: app.id, sent: input.sendInvitationMessage, status: row.status, ...recovered?.outcome },
          correlationId,
        },
        trx,
      );
      return { row: (await invitations.findById(row.id, trx))!, user, redeemUrl };
    });
    if (right) await this.deps.lifecycle.revokeSessions(result.user.id, actor, correlationId);
    return toGraphInvitation(result.row, result.user.displayName, { redeemUrl: result.redeemUrl, resetRedemption: input.resetRedemption });
  }

  /**
   * Everything that refuses an invitation before anything is written: used by create() and, for a
   * whole file before any row is sent, by check() (bulk invitations).
   */
  private admit(input: CreateInvitationInput, inviter: Inviter) {
    const { settings } = this.deps;
    if (!mayInvite(inviter, settings.allowInvitesFrom)) {
      throw new HttpError(403, 'invitationsNotAllowed', 'Your organisation does not allow you to invite guests (external collaboration settings: allowInvitesFrom).');
    }
    const right = input.resetRedemption ? requireRecoveryRight(inviter) : undefined;
    if (input.invitedUserType === 'Member' && !mayInviteMembers(inviter)) {
      throw new HttpError(403, 'memberInvitationNotAllowed', 'Only administrators can invite someone as a Member.');
    }
    const email = input.invitedUserEmailAddress;
    if (!isDomainAllowed(email, settings)) {
      throw new HttpError(403, 'domainNotAllowed', `Invitations to ${email.split('@')[1]} are not allowed by the external collaboration settings.`);
    }
    // A reset acts on an existing user, and says notAGuest for a member (further on).
    if (input.invitedUserType === 'Guest' && !input.resetRedemption && this.deps.memberDomains.includes(emailDomain(email))) {
      throw new HttpError(400, 'memberDomainAddress', `${emailDomain(email)} is this organisation's own domain (tenant.memberDomains): its people sign in as members and need no guest invitation.`);
    }
    const requested = input.inviteRedirectUrl ?? this.deps.portalApp?.launchUrl;
    if (!requested) throw new HttpError(400, 'invalidRequest', 'The request is not valid: inviteRedirectUrl is required.');
    const app = this.requireRegisteredRedirect(requested);
    this.deps.admission?.check(email, app.id);
    const partner = this.deps.admission?.defaults(email) ?? {};
    return { right, email, app, partner, requested };
  }

  /**
   * Would this invitation be refused? The same checks as create() (who may invite, domains, the
   * redirect, partner settings, the address's existing user) with nothing written or sent; throws
   * the HttpError create() would throw. A row that passes may still fail later if the directory
   * changes in between: create() checks everything again.
   */
  async check(input: CreateInvitationInput, inviter: Inviter): Promise<void> {
    this.admit(input, inviter);
    const existing = input.resetRedemption ? await this.deps.users.findById(input.invitedUser!.id) : await this.deps.users.findByEmail(input.invitedUserEmailAddress);
    if (!input.resetRedemption) this.refuseExisting(input, existing);
    if (existing) refuseEndedWithoutNewEnd(existing, input.accessExpirationDateTime, this.now());
  }

  private now(): Date {
    return this.deps.users.clock.now();
  }

  /** Issues a fresh ticket for a pending invitation (the old link stops working) and mails it. */
  async resend(id: string, inviter: Inviter, correlationId?: string): Promise<GraphInvitation> {
    return this.deps.db.transaction(async (trx) => {
      const row = await this.requirePending(id, inviter, trx);
      const user = (await this.deps.users.findById(row.user_id, trx))!;
      // A resend carries no new end: for a guest whose access ended its link could never work.
      refuseEndedWithoutNewEnd(user, undefined, this.now());
      // A pending row left over for a guest who has since accepted (two invitations racing) must
      // not yield a fresh link into their account; only a reset, an admin's action, may.
      if (user.externalUserState === 'Accepted') {
        throw new HttpError(409, 'guestAlreadyAccepted', 'This guest has already accepted an invitation, so no new link is sent. An administrator can reset their redemption if they need one.');
      }
      if (!isDomainAllowed(row.invited_email, this.deps.settings)) {
        throw new HttpError(403, 'domainNotAllowed', 'The invited domain is no longer allowed by the external collaboration settings.');
      }
      const app = appForRedirect(row.invite_redirect_url, this.deps.apps) ?? this.deps.portalApp;
      if (app) this.deps.admission?.check(row.invited_email, app.id);
      const ttlDays = this.deps.admission?.defaults(row.invited_email).ticketTtlDays ?? this.deps.settings.ticketTtlDays;
      const ticket = newTicket();
      await this.deps.invitations.update(id, { ticket_hash: ticket.hash, expires_at: isoIn(ttlDays * 86400) }, trx);
      const updated = (await this.deps.invitations.findById(id, trx))!;
      const redeemUrl = this.redeemUrl(ticket.ticket);
      await this.mail(updated, user, redeemUrl, appForRedirect(updated.invite_redirect_url, this.deps.apps), trx);
      await this.deps.audit.record(
        { category: 'Invitation', activity: 'Resend invitation', result: 'success', actor: { type: inviter.type, id: inviterId(inviter) ?? undefined }, target: { type: 'User', id: user.id }, details: { invitationId: id }, correlationId },
        trx,
      );
      return toGraphInvitation((await this.deps.invitations.findById(id, trx))!, user.displayName, { redeemUrl });
    });
  }

  async revoke(id: string, inviter: Inviter, correlationId?: string): Promise<GraphInvitation> {
    return this.deps.db.transaction(async (trx) => {
      const row = await this.requirePending(id, inviter, trx);
      await this.deps.invitations.update(id, { status: 'Revoked', revoked_at: nowIso() }, trx);
      await this.deps.audit.record(
        { category: 'Invitation', activity: 'Revoke invitation', result: 'success', actor: { type: inviter.type, id: inviterId(inviter) ?? undefined }, target: { type: 'User', id: row.user_id }, details: { invitationId: id }, correlationId },
        trx,
      );
      const user = (await this.deps.users.findById(row.user_id, trx))!;
      return toGraphInvitation((await this.deps.invitations.findById(id, trx))!, user.displayName);
    });
  }

  async get(id: string, inviter: Inviter): Promise<GraphInvitation> {
    const row = this.withinReach(await this.deps.invitations.findById(id), id, inviter);
    const user = await this.deps.users.findById(row.user_id);
    return toGraphInvitation(row, user?.displayName ?? row.invited_email);
  }

  async list(filter: Omit<Parameters<InvitationsRepository['list']>[0], 'invitedById'>, inviter: Inviter): Promise<GraphInvitation[]> {
    const reach = this.requireReach(inviter);
    const rows = await this.deps.invitations.list(reach === 'own' ? { ...filter, invitedById: inviterId(inviter)! } : filter);
    // One read for the page's names, not one per row.
    const names = await this.deps.users.displayNames([...new Set(rows.map((r) => r.user_id))]);
    return rows.map((r) => toGraphInvitation(r, names.get(r.user_id) ?? r.invited_email));
  }

  requireRegisteredRedirect(url: string): AppConfig {
    const portal = this.deps.portalApp;
    const app = appForRedirect(url, this.deps.apps) ?? (portal && url === portal.launchUrl ? portal : undefined);
    if (!app) {
      throw new HttpError(400, 'redirectUrlNotRegistered', 'inviteRedirectUrl must be a URL of a registered app (its launch URL, a redirect URI, or a page on the same origin).');
    }
    return app;
  }

  /**
   * Who answers for a new guest: the sponsors the inviter named, else the inviting member, else the
   * partner organisation's contact (partners[].invitations.sponsor) when that is a member here.
   */
  private async initialSponsors(input: CreateInvitationInput, inviter: Inviter, partnerSponsor: string | undefined, trx: Database): Promise<string[]> {
    if (input.invitedUserSponsors) return input.invitedUserSponsors.map((s) => s.id.toLowerCase());
    if (inviter.type === 'user' && inviter.userType === 'Member') return [inviter.id];
    const contact = partnerSponsor ? await this.deps.users.findByEmail(partnerSponsor, trx) : undefined;
    return contact && contact.userType === 'Member' && contact.accountEnabled ? [contact.id] : [];
  }

  /** The user an invitation (not a reset) is for: the one with that address, or a new guest. */
  private async resolveInvitedUser(input: CreateInvitationInput, inviter: Inviter, trx: Database): Promise<User> {
    const { users } = this.deps;
    const existing = await users.findByEmail(input.invitedUserEmailAddress, trx);
    this.refuseExisting(input, existing);
    if (existing) return existing;
    return users.create(
      {
        mail: input.invitedUserEmailAddress,
        displayName: input.invitedUserDisplayName,
        userType: input.invitedUserType,
        externalUserState: 'PendingAcceptance',
        createdBy: inviterId(inviter) ?? undefined,
      },
      trx,
    );
  }

  /** A member needs no invitation; an accepted guest gets one only when asked for explicitly (sendAgain). */
  private refuseExisting(input: CreateInvitationInput, existing: User | undefined): void {
    if (existing && !existing.externalUserState) {
      throw new HttpError(400, 'userAlreadyMember', 'That address belongs to a member of this organisation; members need no invitation.');
    }
    if (existing?.externalUserState === 'Accepted' && !input.sendAgain) {
      throw new HttpError(
        409,
        'guestAlreadyAccepted',
        `${existing.mail} has already accepted an invitation and can sign in. To mail them a link to the app anyway, invite again with sendAgain (CLI: --send-again); if they lost access to their account, reset their redemption instead.`,
      );
    }
  }

  private requireReach(inviter: Inviter): InvitationReach {
    const reach = invitationReach(inviter, this.deps.settings.allowInvitesFrom);
    if (reach === 'none') {
      throw new HttpError(403, 'invitationsNotAllowed', 'Your organisation does not allow you to invite guests, so you cannot see or manage invitations either (external collaboration settings: allowInvitesFrom).');
    }
    return reach;
  }

  /** The row if this inviter may see it; an invitation someone else sent is "not found", so ids reveal nothing. */
  private withinReach(row: InvitationRow | undefined, id: string, inviter: Inviter): InvitationRow {
    const reach = this.requireReach(inviter);
    if (!row || (reach === 'own' && row.invited_by_id !== inviterId(inviter))) throw new HttpError(404, 'invitationNotFound', `No invitation has the id ${id}.`);
    return row;
  }

  private async requirePending(id: string, inviter: Inviter, trx: Database): Promise<InvitationRow> {
    const row = this.withinReach(await this.deps.invitations.findById(id, trx), id, inviter);
    if (row.status !== 'PendingAcceptance') throw new HttpError(409, 'invitationNotPending', `The invitation is ${row.status}; only pending invitations can be resent or revoked.`);
    return row;
  }

  /** Sends inside the transaction: if the mail server refuses, nothing is written. */
  private async mail(row: InvitationRow, user: User, redeemUrl: string, app: AppConfig | undefined, trx: Database): Promise<void> {
    try {
      await sendInvitationMail(
        this.deps.mailer,
        this.deps.renderer,
        {
          to: row.invited_email,
          cc: JSON.parse(row.cc_recipients) as string[],
          inviterName: row.invited_by_name ?? this.deps.tenantName,
          guestName: user.displayName,
          appName: app?.displayName,
          redeemUrl,
          customMessage: row.message_body,
          expiresAt: row.expires_at,
          sponsor: this.deps.admission?.defaults(row.invited_email).sponsor,
          language: row.message_language,
        },
        this.deps.tenantName,
      );
    } catch (err) {
      if (err instanceof MailDeliveryError) throw new HttpError(502, 'mailDeliveryFailed', 'The invitation could not be sent: the mail server refused it. Nothing was saved; try again later.');
      throw err;
    }
    await this.deps.invitations.update(row.id, { sent_count: row.sent_count + 1, last_sent_at: nowIso() }, trx);
  }
}
