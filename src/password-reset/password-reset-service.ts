import type { AuditLog } from '../audit/audit-log.js';
import type { PasswordResetConfig } from '../config/password-reset-schema.js';
import type { Database } from '../db/connect.js';
import { hashPassword } from '../directory/password-hash.js';
import type { UserLifecycle } from '../directory/user-lifecycle.js';
import type { User } from '../directory/user-model.js';
import type { UsersRepository } from '../directory/users-repository.js';
import { HttpError } from '../http/http-error.js';
import type { PageRenderer } from '../http/render.js';
import type { Throttle } from '../http/throttle.js';
import { hashTicket, looksLikeTicket, newTicket } from '../invitations/redeem-ticket.js';
import type { Logger } from '../logging/logger.js';
import type { Mailer } from '../mail/mailer.js';
import { createHash } from 'node:crypto';
import { ResetTicketsRepository, type ResetTicketRow } from './reset-tickets-repository.js';
import { writeUsers } from '../directory/user-writes.js';

export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 1024;

export interface PasswordResetDeps {
  db: Database;
  users: UsersRepository;
  audit: AuditLog;
  mailer: Mailer;
  renderer: PageRenderer;
  lifecycle: Pick<UserLifecycle, 'revokeSessions'>;
  logger: Logger;
  issuer: string;
  tenantName: string;
  settings: PasswordResetConfig;
  perAddress: Throttle;
  perIp: Throttle;
  /** Whether this member may have a local password at all (members through the host's IdP may not). */
  passwordAllowed?: (user: User) => boolean;
  /** Milliseconds since the epoch; tests move it to expire links. */
  now?: () => number;
}

export type LinkState = 'valid' | 'used' | 'expired' | 'invalid';

/** How long a used or expired link's row stays before the purge job removes it. */
export const DEAD_LINK_KEPT_DAYS = 7;

/**
 * Self-service password reset for members with a local password. Read it as its attacker would:
 * - asking for a link answers the same (status, page, and the same work before answering: the
 *   account's writes and mail come after the response) for a member, a guest, a disabled account and an address
 *   with no account; only a member who has a password and may use it gets mail;
 * - asking is budgeted per address (extra requests get the same answer and no mail: no mail
 *   bombing, no way to tell) and per client address (429 for everyone alike);
 * - the link is 256 random bits, stored only as a hash, expires, and works once (one conditional
 *   UPDATE): a second use, from any browser, is refused;
 * - a reset ends every session and revokes every refresh token of the account, closes its other
 *   links, and is audited.
 */
export class PasswordResetService {
  private readonly tickets: ResetTicketsRepository;
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly deps: PasswordResetDeps) {
    this.tickets = new ResetTicketsRepository(deps.db);
  }

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }

  private iso(offsetSeconds = 0): string {
    return new Date(this.now() + offsetSeconds * 1000).toISOString();
  }

  /**
   * The purge job's work: removes links used or expired more than DEAD_LINK_KEPT_DAYS ago. Kept
   * that long so a late click still hears "already used" or "expired"; after it, only clutter.
   */
  purgeDeadLinks(): Promise<number> {
    return this.tickets.purgeDead(this.iso(-DEAD_LINK_KEPT_DAYS * 24 * 3600));
  }

  /** Whether a user may reset (and so be mailed a link): a member with a password they may use. */
  eligible(user: User | undefined): boolean {
    return Boolean(user && user.userType === 'Member' && user.accountEnabled && user.hasPassword && (this.deps.passwordAllowed?.(user) ?? true));
  }

  /**
   * Someone asks for a link for `email`. Returns 'limited' only when the client address is over
   * its budget (which says nothing about the address asked for); otherwise 'accepted', always.
   */
  async request(email: string, ip: string, correlationId?: string, lang?: string): Promise<'accepted' | 'limited'> {
    if ((await this.deps.perIp.check(ip)) > 0) return 'limited';
    await this.deps.perIp.fail(ip);
    // Per address, by a hash of the normalised address, so the counter key holds no address.
    const addressKey = createHash('sha256').update(email.trim().toLowerCase()).digest('hex');
    const overBudget = (await this.deps.perAddress.check(addressKey)) > 0;
    await this.deps.perAddress.fail(addressKey);
    const user = await this.deps.users.findByEmail(email);
    const { ticket, hash } = newTicket();
    // Everything that depends on whether the address has an account (writes, mail) happens after
    // the answer, so the answer and the work before it are the same for every address.
    this.track(
      this.deliver(user, overBudget, { ticket, hash }, correlationId, lang).catch((err: unknown) =>
        this.deps.logger.error({ err: err instanceof Error ? err.message : String(err), requestId: correlationId }, 'password reset request not completed'),
      ),
    );
    return 'accepted';
  }

  private async deliver(user: User | undefined, overBudget: boolean, link: { ticket: string; hash: string }, correlationId?: string, lang?: string): Promise<void> {
    if (!user) return;
    if (!this.eligible(user)) return this.audit(user, user.userType === 'Guest' ? 'guestHasNoPassword' : !user.accountEnabled ? 'accountDisabled' : 'noLocalPassword', correlationId);
    if (overBudget) return this.audit(user, 'tooManyRequests', correlationId);
    await this.deps.db.transaction(async (trx) => {
      await this.tickets.insert({ user_id: user.id, token_hash: link.hash, created_at: this.iso(), expires_at: this.iso(this.deps.settings.ttlMinutes * 60), requested_by: 'self' }, trx);
      await this.deps.audit.record({ category: 'UserManagement', activity: 'Request password reset', result: 'success', actor: { type: 'user', id: user.id }, target: { type: 'User', id: user.id }, correlationId }, trx);
    });
    await this.sendMail(user, link.ticket, lang);
  }

  /** An administrator mails a member a link (the CLI): same link, same rules, returned for printing. */
  async issueLink(user: User, opts: { send: boolean }): Promise<{ url: string; expiresAt: string }> {
    this.requireResettable(user);
    const { ticket, hash } = newTicket();
    const expiresAt = this.iso(this.deps.settings.ttlMinutes * 60);
    await this.deps.db.transaction(async (trx) => {
      await this.tickets.insert({ user_id: user.id, token_hash: hash, created_at: this.iso(), expires_at: expiresAt, requested_by: 'cli' }, trx);
      await this.deps.audit.record({ category: 'UserManagement', activity: 'Issue password reset link', result: 'success', actor: { type: 'cli' }, target: { type: 'User', id: user.id }, details: { mailed: opts.send } }, trx);
    });
    if (opts.send) await this.sendMail(user, ticket);
    return { url: this.linkFor(ticket), expiresAt };
  }

  /** An administrator sets a member's password (the CLI): other links closed, sessions ended. */
  async setPassword(user: User, password: string): Promise<{ sessions: number; grants: number }> {
    this.requireResettable(user);
    checkPassword(password);
    const passwordHash = await hashPassword(password);
    await this.deps.db.transaction(async (trx) => {
      await writeUsers(trx, user.id, (users) => users.where({ id: user.id }).update({ password_hash: passwordHash, updated_at: this.iso() }));
      await this.tickets.closeAllFor(user.id, this.iso(), trx);
      await this.deps.audit.record({ category: 'UserManagement', activity: 'Reset password', result: 'success', actor: { type: 'cli' }, target: { type: 'User', id: user.id }, details: { by: 'administrator' } }, trx);
    });
    return this.deps.lifecycle.revokeSessions(user.id, { type: 'cli' });
  }

  /** What a link is worth now, without using it (the page that asks for the new password). */
  async inspect(token: unknown): Promise<LinkState> {
    if (!looksLikeTicket(token)) return 'invalid';
    const row = await this.tickets.findByHash(hashTicket(token));
    return this.stateOf(row);
  }

  /** Uses the link: sets the password, closes the user's other links, ends every session. */
  async complete(token: unknown, password: string, ip: string, correlationId?: string): Promise<User> {
    const wait = await this.deps.perIp.check(ip);
    if (wait > 0) throw new HttpError(429, 'tooManyRequests', `Too many password reset requests from your network. Wait ${Math.ceil(wait / 60)} minutes and try again.`);
    await this.deps.perIp.fail(ip);
    const state = await this.inspect(token);
    if (state !== 'valid') throw linkRefused(state);
    checkPassword(password);
    // scrypt takes a while: hash before the transaction, never inside it.
    const passwordHash = await hashPassword(password);
    const tokenHash = hashTicket(token as string);
    const user = await this.deps.db.transaction(async (trx) => {
      const now = this.iso();
      const row = await this.tickets.findByHash(tokenHash, trx);
      if (!row || !(await this.tickets.consume(tokenHash, now, trx))) throw linkRefused(this.stateOf(row));
      const target = await this.deps.users.findById(row.user_id, trx);
      // The account may have changed since the link was mailed (disabled, made a guest, IdP-only).
      if (!target || !this.eligible(target)) throw linkRefused('invalid');
      await writeUsers(trx, target.id, (users) => users.where({ id: target.id }).update({ password_hash: passwordHash, updated_at: now }));
      await this.tickets.closeAllFor(target.id, now, trx);
      await this.deps.audit.record({ category: 'UserManagement', activity: 'Reset password', result: 'success', actor: { type: 'user', id: target.id }, target: { type: 'User', id: target.id }, details: { by: 'self-service link' }, correlationId }, trx);
      return target;
    });
    await this.deps.lifecycle.revokeSessions(user.id, { type: 'user', id: user.id }, correlationId);
    return user;
  }

  /** Resolves when every mail sent after an answer has been handed over (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.pending.size) await Promise.all([...this.pending]);
  }

  private stateOf(row: ResetTicketRow | undefined): LinkState {
    if (!row) return 'invalid';
    if (row.used_at) return 'used';
    if (row.expires_at <= this.iso()) return 'expired';
    return 'valid';
  }

  private requireResettable(user: User): void {
    if (user.userType !== 'Member') throw new HttpError(400, 'notAMember', 'Guests have no password here: they sign in with their own organisation or an emailed code.');
    if (this.deps.passwordAllowed && !this.deps.passwordAllowed(user)) {
      throw new HttpError(400, 'localPasswordDisabled', "This member signs in through the organisation's identity provider; local passwords are switched off for them.");
    }
  }

  private async audit(user: User, reason: string, correlationId?: string): Promise<void> {
    await this.deps.audit.record({ category: 'UserManagement', activity: 'Request password reset', result: 'failure', resultReason: reason, actor: { type: 'system' }, target: { type: 'User', id: user.id }, correlationId });
  }

  private linkFor(ticket: string): string {
    return `${this.deps.issuer}/password/reset?t=${ticket}`;
  }

  /** In the language of the page the member asked from (the default for links an administrator mails). */
  private async sendMail(user: User, ticket: string, lang?: string): Promise<void> {
    const data = { name: user.displayName, resetUrl: this.linkFor(ticket), ttlMinutes: this.deps.settings.ttlMinutes };
    const [html, text] = await Promise.all([this.deps.renderer.text('mail/password-reset', data, lang), this.deps.renderer.text('mail/password-reset-text', data, lang)]);
    const subject = this.deps.renderer.translatorFor(lang).t('mail.passwordReset.subject', { tenant: this.deps.tenantName });
    await this.deps.mailer.send({ to: user.mail, subject, html, text, primaryLink: data.resetUrl });
  }

  private track(p: Promise<void>): void {
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }
}

export function checkPassword(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH) throw new HttpError(400, 'passwordTooShort', `Choose a password of at least ${MIN_PASSWORD_LENGTH} characters.`);
  if (password.length > MAX_PASSWORD_LENGTH) throw new HttpError(400, 'passwordTooLong', `A password may have at most ${MAX_PASSWORD_LENGTH} characters.`);
}

export function linkRefused(state: LinkState): HttpError {
  switch (state) {
    case 'used':
      return new HttpError(410, 'resetLinkUsed', 'This password reset link has already been used. Ask for a new one if you still need to reset your password.');
    case 'expired':
      return new HttpError(410, 'resetLinkExpired', 'This password reset link has expired. Ask for a new one.');
    default:
      return new HttpError(400, 'resetLinkInvalid', 'This password reset link is not valid. Ask for a new one.');
  }
}
