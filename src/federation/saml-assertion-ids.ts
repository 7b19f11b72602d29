import type { Database } from '../db/connect.js';
import { CLOCK_SKEW_MS } from './saml-connector.js';

const TABLE = 'saml_assertion_ids';
/** An assertion ID longer than this is not one any IdP issues: refused rather than stored. */
const MAX_ID_LENGTH = 256;

/**
 * The IDs of SAML messages an IdP sends that must be used once: the assertion IDs of accepted
 * unsolicited (IdP-initiated) responses, and the IDs of its LogoutRequests (saml-logout.ts; SAML
 * IDs are unique across all of an IdP's messages, so one table serves both). Each is kept until its
 * NotOnOrAfter plus the clock skew the connector accepts (an ID purged earlier could be replayed in
 * that minute). `useOnce` is one INSERT that does nothing on a duplicate key, so of two nodes
 * receiving the same response at the same moment exactly one is told it is first; there is no
 * read-then-write window. Expired rows are only clutter (the assertion itself is refused by then)
 * and are removed by `purgeExpired`.
 */
export class SamlAssertionIds {
  constructor(
    private readonly db: Database,
    private readonly now: () => number = Date.now,
  ) {}

  /** True for the first use of this IdP's assertion ID; false for every later (or concurrent) one. */
  async useOnce(idpId: string, assertionId: string, notOnOrAfter: number): Promise<boolean> {
    if (!assertionId || assertionId.length > MAX_ID_LENGTH) return false;
    const inserted = await this.db(TABLE)
      .insert({ idp_id: idpId, assertion_id: assertionId, expires_at: notOnOrAfter + CLOCK_SKEW_MS })
      .onConflict(['idp_id', 'assertion_id'])
      .ignore()
      .returning('assertion_id');
    return inserted.length === 1;
  }

  /** Removes the IDs whose assertions have expired; returns how many. */
  async purgeExpired(): Promise<number> {
    return this.db(TABLE).where('expires_at', '<=', this.now()).delete();
  }
}
