import { randomUUID } from 'node:crypto';
import type { AuditLog } from '../audit/audit-log.js';
import { deleteInBatches } from '../db/batched-delete.js';
import type { Database } from '../db/connect.js';
import type { Sponsors } from '../directory/sponsors.js';
import type { User } from '../directory/user-model.js';
import { HttpError } from '../http/http-error.js';
import { hashTicket, looksLikeTicket, newTicket } from '../invitations/redeem-ticket.js';
import { DAY_MS, type Clock } from '../lib/clock.js';
import { writeUsers } from '../directory/user-writes.js';

export type ExtensionKind = 'assignment' | 'user';

/** How long a dead link's row stays before the purge job removes it. */
export const DEAD_LINK_KEPT_DAYS = 7;

interface LinkRow {
  id: string;
  token_hash: string;
  kind: ExtensionKind;
  target_id: string;
  sponsor_id: string;
  expires_at: string;
  created_at: string;
  used_at: string | null;
}

/** What an extension link is about, for the confirmation page. */
export interface ExtensionOffer {
  kind: ExtensionKind;
  guest: User;
  appId?: string;
  endsAt: string;
  newEnd: string;
}

/**
 * One-click extensions for sponsors. A link is 256 random bits of which only the hash is stored (so
 * it cannot be forged or read back from the database), bound to one sponsor, one assignment or
 * guest, and the end date it was sent about. It works once, for that sponsor's own signed-in
 * session, while they still sponsor the guest, for `linkValidDays` at most and never after the end
 * it names: once access has ended, or the end has moved (another sponsor extended it), the link is
 * dead. Opening it only shows what would change (GET); the change is a CSRF-protected POST.
 */
export class ExtensionLinks {
  constructor(private readonly deps: { db: Database; clock: Clock; sponsors: Sponsors; audit: AuditLog; extendDays: number; linkValidDays: number }) {}

  /** Issues a link (the caller's transaction) and returns its token, for the mail only. */
  async issue(kind: ExtensionKind, targetId: string, sponsorId: string, endsAt: string, trx: Database): Promise<string> {
    const { ticket, hash } = newTicket();
    await trx('extension_links').insert({ id: randomUUID(), token_hash: hash, kind, target_id: targetId, sponsor_id: sponsorId, expires_at: endsAt, created_at: this.deps.clock.now().toISOString(), used_at: null });
    return ticket;
  }

  /**
   * The purge job's work: removes links dead for more than DEAD_LINK_KEPT_DAYS (used, past the end
   * they name, or older than linkValidDays), in batches. Kept that long so a late click still
   * hears "already used" or "expired"; after it, only clutter.
   */
  async purgeDead(batch?: number): Promise<number> {
    const now = this.deps.clock.now().getTime();
    const deadBefore = new Date(now - DEAD_LINK_KEPT_DAYS * DAY_MS).toISOString();
    const issuedBefore = new Date(now - (this.deps.linkValidDays + DEAD_LINK_KEPT_DAYS) * DAY_MS).toISOString();
    return deleteInBatches(this.deps.db, 'extension_links', (q) => q.where('used_at', '<', deadBefore).orWhere('expires_at', '<', deadBefore).orWhere('created_at', '<', issuedBefore), batch);
  }

  async offer(token: unknown, sponsor: User): Promise<ExtensionOffer> {
    return this.check(token, sponsor, this.deps.db).then((c) => c.offer);
  }

  /** Applies the extension once: the link is spent and the end moved in one transaction, audited. */
  async apply(token: unknown, sponsor: User, correlationId?: string): Promise<ExtensionOffer> {
    return this.deps.db.transaction(async (trx) => {
      const { link, offer } = await this.check(token, sponsor, trx);
      const now = this.deps.clock.now().toISOString();
      // Spending the link is the guard against a second click racing the first.
      if ((await trx('extension_links').where({ id: link.id }).whereNull('used_at').update({ used_at: now })) !== 1) throw used();
      const moved =
        link.kind === 'assignment'
          ? await trx('app_assignments').where({ id: link.target_id, expires_at: link.expires_at }).update({ expires_at: offer.newEnd, expiry_notified_at: null })
          : await writeUsers(trx, link.target_id, (users) => users.where({ id: link.target_id, access_expires_at: link.expires_at }).update({ access_expires_at: offer.newEnd, expiry_notified_at: null }));
      if (moved !== 1) throw expired();
      await this.deps.audit.record(
        {
          category: link.kind === 'assignment' ? 'ApplicationManagement' : 'UserManagement',
          activity: link.kind === 'assignment' ? 'Extend app role assignment' : 'Extend guest access',
          result: 'success',
          actor: { type: 'user', id: sponsor.id },
          target: { type: 'User', id: offer.guest.id },
          details: { ...(offer.appId ? { appId: offer.appId, assignmentId: link.target_id } : {}), from: link.expires_at, to: offer.newEnd, viaSponsorLink: true },
          correlationId,
        },
        trx,
      );
      return offer;
    });
  }

  private async check(token: unknown, sponsor: User, trx: Database): Promise<{ link: LinkRow; offer: ExtensionOffer }> {
    const link = looksLikeTicket(token) ? ((await trx('extension_links').where({ token_hash: hashTicket(token) }).first()) as LinkRow | undefined) : undefined;
    if (!link) throw new HttpError(404, 'extensionLinkInvalid', 'This link is not valid. Use the link from the most recent mail, or extend access from My Apps.');
    if (link.sponsor_id !== sponsor.id) throw new HttpError(403, 'notTheSponsor', 'This link was sent to another sponsor. Sign in as the person it was sent to.');
    if (link.used_at) throw used();
    const now = this.deps.clock.now();
    if (now.toISOString() >= link.expires_at || now.getTime() >= Date.parse(link.created_at) + this.deps.linkValidDays * DAY_MS) throw expired();
    const target =
      link.kind === 'assignment'
        ? ((await trx('app_assignments').where({ id: link.target_id, principal_type: 'User' }).first()) as { principal_id: string; app_id: string; expires_at: string | null } | undefined)
        : ((await trx('users').where({ id: link.target_id }).first()) as { id: string; access_expires_at: string | null } | undefined);
    const current = target ? ('app_id' in target ? target.expires_at : target.access_expires_at) : null;
    if (!target || current !== link.expires_at) throw expired();
    const guestId = 'app_id' in target ? target.principal_id : target.id;
    if (!(await this.deps.sponsors.isSponsor(guestId, sponsor.id, trx))) throw new HttpError(403, 'notTheSponsor', 'You no longer sponsor this guest.');
    const guest = (await this.deps.sponsors.userById(guestId, trx))!;
    if (!guest.accountEnabled) throw expired();
    const newEnd = new Date(Date.parse(link.expires_at) + this.deps.extendDays * DAY_MS).toISOString();
    return { link, offer: { kind: link.kind, guest, appId: 'app_id' in target ? target.app_id : undefined, endsAt: link.expires_at, newEnd } };
  }
}

const used = () => new HttpError(410, 'extensionLinkUsed', 'This link has already been used. Each link extends access once.');
const expired = () => new HttpError(410, 'extensionLinkExpired', 'This link no longer applies: the access it was about has ended or has already been extended.');
