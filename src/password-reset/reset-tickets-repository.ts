import { randomUUID } from 'node:crypto';
import { deleteInBatches } from '../db/batched-delete.js';
import type { Database } from '../db/connect.js';

export interface ResetTicketRow {
  id: string;
  user_id: string;
  token_hash: string;
  created_at: string;
  expires_at: string;
  used_at: string | null;
  requested_by: 'self' | 'cli';
}

/** The password_reset_tickets table: only token hashes, never tokens. */
export class ResetTicketsRepository {
  constructor(private readonly db: Database) {}

  async insert(row: Omit<ResetTicketRow, 'id' | 'used_at'>, trx: Database = this.db): Promise<void> {
    await trx('password_reset_tickets').insert({ id: randomUUID(), used_at: null, ...row });
  }

  async findByHash(tokenHash: string, trx: Database = this.db): Promise<ResetTicketRow | undefined> {
    return trx<ResetTicketRow>('password_reset_tickets').where({ token_hash: tokenHash }).first();
  }

  /**
   * Marks the ticket used if, at this instant, it is unused and unexpired: one conditional UPDATE,
   * so two requests racing with the same link cannot both win.
   */
  async consume(tokenHash: string, now: string, trx: Database): Promise<boolean> {
    const updated = await trx('password_reset_tickets').where({ token_hash: tokenHash }).whereNull('used_at').where('expires_at', '>', now).update({ used_at: now });
    return updated === 1;
  }

  /** Closes every other open link of the user (a reset, or an admin setting the password). */
  async closeAllFor(userId: string, now: string, trx: Database = this.db): Promise<number> {
    return trx('password_reset_tickets').where({ user_id: userId }).whereNull('used_at').update({ used_at: now });
  }

  /**
   * Removes the tickets used or expired before `deadBefore` (the purge job keeps dead ones a while,
   * so a late click still hears "already used" or "expired" rather than "unknown"); in batches.
   */
  async purgeDead(deadBefore: string, batch?: number): Promise<number> {
    return deleteInBatches(this.db, 'password_reset_tickets', (q) => q.where('used_at', '<', deadBefore).orWhere('expires_at', '<', deadBefore), batch);
  }
}
