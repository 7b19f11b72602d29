import type { Database } from '../db/connect.js';
import { nowIso } from '../lib/clock.js';

/** Upstream claim name → values, as one IdP asserted them. */
export type UpstreamClaims = Record<string, string[]>;

/** What an IdP asserted at a guest's last sign-in with it, newest first. */
export interface StoredUpstreamClaims {
  idpId: string;
  claims: UpstreamClaims;
  assertedAt: string;
}

/**
 * The claims guests' IdPs asserted that apps' optional claims pass on, kept per (user, IdP) from the
 * last sign-in with that IdP: a token refresh or single sign-on has no upstream answer to read.
 * A sign-in replaces the row, so a claim the IdP stopped sending stops reaching apps. Rows go with
 * the user (foreign key, cascade); an IdP no longer linked to the account is not read.
 */
export class UpstreamClaimsRepository {
  constructor(private readonly db: Database) {}

  async save(userId: string, idpId: string, claims: UpstreamClaims): Promise<void> {
    await this.db('upstream_claims')
      .insert({ user_id: userId, idp_id: idpId, claims: JSON.stringify(claims), asserted_at: nowIso() })
      .onConflict(['user_id', 'idp_id'])
      .merge(['claims', 'asserted_at']);
  }

  /** One query: the rows of the IdPs the account is still linked to, the most recent sign-in first. */
  async forUser(userId: string): Promise<StoredUpstreamClaims[]> {
    const rows: { idp_id: string; claims: string; asserted_at: string }[] = await this.db('upstream_claims as u')
      .where('u.user_id', userId)
      .whereExists((q) => q.select(this.db.raw('1')).from('identities as i').whereRaw('i.user_id = u.user_id').andWhereRaw('i.idp_id = u.idp_id'))
      .orderBy([{ column: 'u.asserted_at', order: 'desc' }, { column: 'u.idp_id' }])
      .select('u.idp_id', 'u.claims', 'u.asserted_at');
    return rows.map((r) => ({ idpId: r.idp_id, claims: JSON.parse(r.claims) as UpstreamClaims, assertedAt: r.asserted_at }));
  }
}
