import { randomUUID } from 'node:crypto';
import type { Database } from '../db/connect.js';
import { isUniqueViolation } from '../db/unique-violation.js';
import { HttpError } from '../http/http-error.js';
import { nowIso } from '../lib/clock.js';

export interface LinkedIdentity {
  id: string;
  userId: string;
  idpId: string;
  issuer: string;
  subject: string;
  email: string | null;
  createdDateTime: string;
  lastUsedDateTime: string | null;
}

interface IdentityRow {
  id: string;
  user_id: string;
  idp_id: string;
  issuer: string;
  subject: string;
  email: string | null;
  created_at: string;
  last_used_at: string | null;
}

const toIdentity = (r: IdentityRow): LinkedIdentity => ({
  id: r.id,
  userId: r.user_id,
  idpId: r.idp_id,
  issuer: r.issuer,
  subject: r.subject,
  email: r.email,
  createdDateTime: r.created_at,
  lastUsedDateTime: r.last_used_at,
});

export class IdentityAlreadyLinkedError extends Error {
  constructor() {
    super('this upstream identity is already linked to another user');
  }
}

/** A user's upstream identities, each (issuer, subject) belonging to exactly one user. */
export class IdentitiesRepository {
  constructor(private readonly db: Database) {}

  /**
   * The linked identity an upstream sign-in presents: (issuer, subject), through the IdP that linked
   * it. The issuer is only as good as the IdP that names it: a SAML IdP's entity ID is any string its
   * admin chose (another partner's issuer, https://github.com, urn:foyer:email-otp), so the same pair
   * arriving through another configured IdP is not the same person, and is refused (409) rather
   * than signed in as the guest it names. Renaming an IdP's id in config therefore unlinks its guests
   * (the config reference says the id must stay stable).
   */
  async findLinked(identity: { idpId: string; issuer: string; subject: string }, trx: Database = this.db): Promise<LinkedIdentity | undefined> {
    const row = await trx<IdentityRow>('identities').where({ issuer: identity.issuer, subject: identity.subject }).first();
    if (!row) return undefined;
    if (row.idp_id !== identity.idpId) {
      throw new HttpError(
        409,
        'identityLinkedToAnotherProvider',
        'The account you signed in with is linked here through another sign-in option, so Foyer did not use it. Sign in the way you did before, or ask the person who shares the app with you.',
        { idpId: identity.idpId },
      );
    }
    return toIdentity(row);
  }

  async listForUser(userId: string): Promise<LinkedIdentity[]> {
    const rows = await this.db<IdentityRow>('identities').where({ user_id: userId }).orderBy('created_at');
    return rows.map(toIdentity);
  }

  async link(userId: string, identity: { idpId: string; issuer: string; subject: string; email?: string }, trx: Database = this.db): Promise<LinkedIdentity> {
    const row: IdentityRow = {
      id: randomUUID(),
      user_id: userId,
      idp_id: identity.idpId,
      issuer: identity.issuer,
      subject: identity.subject,
      email: identity.email ?? null,
      created_at: nowIso(),
      last_used_at: nowIso(),
    };
    try {
      await trx('identities').insert(row);
    } catch (err) {
      if (isUniqueViolation(err)) throw new IdentityAlreadyLinkedError();
      throw err;
    }
    // The first identity is the guest's home IdP, which the console's IdP filter reads from the
    // row (migration 20261207_17_guest_filter_columns), written in the same transaction.
    await trx('users').where({ id: userId }).whereNull('home_idp').update({ home_idp: row.idp_id });
    return toIdentity(row);
  }

  async touch(id: string): Promise<void> {
    await this.db('identities').where({ id }).update({ last_used_at: nowIso() });
  }

  async removeAllForUser(userId: string, trx: Database = this.db): Promise<number> {
    const removed = await trx('identities').where({ user_id: userId }).delete();
    await trx('users').where({ id: userId }).update({ home_idp: null });
    return removed;
  }
}
