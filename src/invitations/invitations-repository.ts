import type { Database } from '../db/connect.js';
import { writeUsers } from '../directory/user-writes.js';
import { nowIso } from '../lib/clock.js';
import type { InvitationRow, InvitationStatus } from './invitation-model.js';

/** Invitation rows. Writes take the caller's transaction. */
export class InvitationsRepository {
  constructor(private readonly db: Database) {}

  async insert(row: InvitationRow, trx: Database = this.db): Promise<void> {
    await trx('invitations').insert(row);
    await this.refreshOpenInvitation(trx, row.user_id);
    // The inviter of the guest's first invitation, which the console's "invited by" filter reads
    // from the row (migration 20261207_17_guest_partner_inviter_columns), in the same transaction.
    await writeUsers(trx, row.user_id, () => trx.raw('UPDATE users SET invited_by_id = (SELECT i.invited_by_id FROM invitations i WHERE i.user_id = users.id ORDER BY i.created_at, i.id LIMIT 1) WHERE id = ?', [row.user_id]));
  }

  /**
   * Keeps users.open_invitation_expires_at (the latest expiry of the user's pending invitations)
   * true after every change of an invitation's status or expiry, in the caller's transaction: the
   * console's state filters read it (migration 20261207_17_guest_filter_columns).
   */
  private async refreshOpenInvitation(trx: Database, userId: string | { invitationId: string }): Promise<void> {
    const latest = "(SELECT max(i.expires_at) FROM invitations i WHERE i.user_id = users.id AND i.status = 'PendingAcceptance')";
    // The user is named (not found by a subquery) so that the write can announce it (user-writes.ts).
    const id = typeof userId === 'string' ? userId : ((await trx('invitations').where({ id: userId.invitationId }).first('user_id')) as { user_id: string } | undefined)?.user_id;
    if (id) await writeUsers(trx, id, () => trx.raw(`UPDATE users SET open_invitation_expires_at = ${latest} WHERE id = ?`, [id]));
  }

  async findById(id: string, trx: Database = this.db): Promise<InvitationRow | undefined> {
    return trx<InvitationRow>('invitations').where({ id }).first();
  }

  async findByTicketHash(hash: string): Promise<InvitationRow | undefined> {
    return this.db<InvitationRow>('invitations').where({ ticket_hash: hash }).first();
  }

  async findPendingForUser(userId: string): Promise<InvitationRow | undefined> {
    return this.db<InvitationRow>('invitations').where({ user_id: userId, status: 'PendingAcceptance' }).orderBy('created_at', 'desc').first();
  }

  /** The language the guest was last invited in (invitedUserMessageInfo.messageLanguage): their mails speak it. */
  async messageLanguageOf(userId: string): Promise<string | null> {
    const row = await this.db<InvitationRow>('invitations').where({ user_id: userId }).whereNotNull('message_language').orderBy('created_at', 'desc').first('message_language');
    return row?.message_language ?? null;
  }

  /**
   * Newest first, keyset-paged: the rows after `after` (created_at, id, both descending). Each
   * filter has an index ending in (created_at, id) (migration 20261207_20_directory_indexes).
   */
  async list(filter: { status?: InvitationStatus; userId?: string; invitedById?: string; top: number; after?: { value: string; id: string } }): Promise<InvitationRow[]> {
    const q = this.db<InvitationRow>('invitations').orderBy([
      { column: 'created_at', order: 'desc' },
      { column: 'id', order: 'desc' },
    ]);
    if (filter.status) q.where({ status: filter.status });
    if (filter.userId) q.where({ user_id: filter.userId });
    if (filter.invitedById) q.where({ invited_by_id: filter.invitedById });
    if (filter.after) q.whereRaw('(created_at, id) < (?, ?)', [filter.after.value, filter.after.id]);
    return q.limit(filter.top);
  }

  /**
   * Ends every pending invitation of a user (a new one, or a reset, replaces them). Ticket hashes
   * are kept so an old link can say why it no longer works; only the status admits redemption.
   */
  async supersedePending(userId: string, trx: Database = this.db): Promise<void> {
    await trx('invitations').where({ user_id: userId, status: 'PendingAcceptance' }).update({ status: 'Superseded' });
    await this.refreshOpenInvitation(trx, userId);
  }

  async update(id: string, changes: Partial<InvitationRow>, trx: Database = this.db): Promise<void> {
    await trx('invitations').where({ id }).update(changes);
    if (changes.status !== undefined || changes.expires_at !== undefined) await this.refreshOpenInvitation(trx, { invitationId: id });
  }

  /**
   * Marks the invitation redeemed only if it is still pending with this ticket: the conditional
   * update is what makes redemption single-use even when two nodes redeem the same ticket at once.
   */
  async markRedeemed(id: string, ticketHash: string, trx: Database): Promise<boolean> {
    const changed = await trx('invitations')
      .where({ id, ticket_hash: ticketHash, status: 'PendingAcceptance' })
      .update({ status: 'Completed', redeemed_at: nowIso() });
    if (changed === 1) await this.refreshOpenInvitation(trx, { invitationId: id });
    return changed === 1;
  }
}
