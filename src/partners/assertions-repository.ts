import type { Database } from '../db/connect.js';
import { nowIso } from '../lib/clock.js';

/** Claim → values, as one IdP asserted them. */
export type Claims = Record<string, string[]>;

/**
 * What a partner's IdP said about a guest at their last sign-in with it, limited to the claims
 * partner rules name (a group that admits them). Single sign-on and token refresh read it, since the
 * upstream's answer is long gone by then. Rows go with the user (foreign key, cascade).
 */
export class AssertionsRepository {
  constructor(private readonly db: Database) {}

  async save(userId: string, idpId: string, claims: Claims): Promise<void> {
    await this.db('partner_assertions')
      .insert({ user_id: userId, idp_id: idpId, claims: JSON.stringify(claims), asserted_at: nowIso() })
      .onConflict(['user_id', 'idp_id'])
      .merge(['claims', 'asserted_at']);
  }

  /** The claims per IdP, for the IdPs given (those the account is still linked to). */
  async forUser(userId: string, idpIds: readonly string[]): Promise<Record<string, Claims>> {
    if (idpIds.length === 0) return {};
    const rows: { idp_id: string; claims: string }[] = await this.db('partner_assertions').where({ user_id: userId }).whereIn('idp_id', [...idpIds]).select('idp_id', 'claims');
    return Object.fromEntries(rows.map((r) => [r.idp_id, JSON.parse(r.claims) as Claims]));
  }
}
