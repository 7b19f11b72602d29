import type { Database } from '../db/connect.js';
import { isUniqueViolation } from '../db/unique-violation.js';
import { nowIso } from '../lib/clock.js';

/** Who accepted which version of which terms of use, and when. */
export class TermsRepository {
  constructor(private readonly db: Database) {}

  async acceptedBy(userId: string): Promise<{ termsId: string; version: string; acceptedAt: string }[]> {
    const rows = await this.db<{ user_id: string; terms_id: string; version: string; accepted_at: string }>('terms_acceptances').where({ user_id: userId });
    return rows.map((r) => ({ termsId: r.terms_id, version: r.version, acceptedAt: r.accepted_at }));
  }

  /** Records an acceptance; accepting the same version again changes nothing (the first time counts). */
  async accept(userId: string, termsId: string, version: string): Promise<void> {
    try {
      await this.db('terms_acceptances').insert({ user_id: userId, terms_id: termsId, version, accepted_at: nowIso() });
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
    }
  }
}
