import type { Database } from '../db/connect.js';
import { nowIso } from '../lib/clock.js';
import type { InvitationRow, InvitationStatus } from './invitation-model.js';

/** Invitation rows. Writes take the caller's transaction. */
export class InvitationsRepository {
  constructor(private readonly db: Database) {}

  async insert(row: InvitationRow, trx: Database = this.db): Promise<void> {
    await trx('invitations').insert(row);
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

  async list(filter: { status?: InvitationStatus; userId?: string; invitedById?: string; top: number; skip: number }): Promise<InvitationRow[]> {
    const q = this.db<InvitationRow>('invitations').orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id' }]);
    if (filter.status) q.where({ status: filter.status });
    if (filter.userId) q.where({ user_id: filter.userId });
    if (filter.invitedById) q.where({ invited_by_id: filter.invitedById });
    return q.limit(filter.top).offset(filter.skip);
  }

  /**
   * Ends every pending invitation of a user (a new one, or a reset, replaces them). Ticket hashes
   * are kept so an old link can say why it no longer works; only the status admits redemption.
   */
  async supersedePending(userId: string, trx: Database = this.db): Promise<void> {
    await trx('invitations').where({ user_id: userId, status: 'PendingAcceptance' }).update({ status: 'Superseded' });
  }

  async update(id: string, changes: Partial<InvitationRow>, trx: Database = this.db): Promise<void> {
    await trx('invitations').where({ id }).update(changes);
  }

  /**
   * Marks the invitation redeemed only if it is still pending with this ticket: the conditional
   * update is what makes redemption single-use even when two nodes redeem the same ticket at once.
   */
  async markRedeemed(id: string, ticketHash: string, trx: Database): Promise<boolean> {
    const changed = await trx('invitations')
      .where({ id, ticket_hash: ticketHash, status: 'PendingAcceptance' })
      .update({ status: 'Completed', redeemed_at: nowIso() });
    return changed === 1;
  }
}
