import { randomUUID } from 'node:crypto';
import type { Database } from '../db/connect.js';
import { isUniqueViolation } from '../db/unique-violation.js';
import { HttpError } from '../http/http-error.js';
import { nowIso } from '../lib/clock.js';
import { normalizeEmail, toUser, type User, type UserRow } from './user-model.js';
import { writeUsers } from './user-writes.js';

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

const IDENTITY_COLUMNS = ['id', 'user_id', 'idp_id', 'issuer', 'subject', 'email', 'created_at', 'last_used_at'] as const satisfies readonly (keyof IdentityRow)[];

function linkedToAnotherProvider(idpId: string): HttpError {
  return new HttpError(
    409,
    'identityLinkedToAnotherProvider',
    'The account you signed in with is linked here through another sign-in option, so Foyer did not use it. Sign in the way you did before, or ask the person who shares the app with you.',
    { idpId },
  );
}

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
    if (row.idp_id !== identity.idpId) throw linkedToAnotherProvider(identity.idpId);
    return toIdentity(row);
  }

  /**
   * findLinked and the user it belongs to, in one query: the returning guest's sign-in needs both,
   * and on PostgreSQL each query is a round trip. `user` is undefined if the row has gone.
   */
  async findLinkedWithUser(identity: { idpId: string; issuer: string; subject: string }): Promise<{ identity: LinkedIdentity; user: User | undefined } | undefined> {
    const row = await this.db('identities')
      .leftJoin('users', 'users.id', 'identities.user_id')
      .where({ 'identities.issuer': identity.issuer, 'identities.subject': identity.subject })
      .first<(UserRow & { [K in keyof IdentityRow as `identity_${K}`]: IdentityRow[K] }) | undefined>('users.*', ...IDENTITY_COLUMNS.map((c) => `identities.${c} as identity_${c}`));
    if (!row) return undefined;
    const linked = Object.fromEntries(IDENTITY_COLUMNS.map((c) => [c, row[`identity_${c}`]])) as unknown as IdentityRow;
    if (linked.idp_id !== identity.idpId) throw linkedToAnotherProvider(identity.idpId);
    return { identity: toIdentity(linked), user: row.id ? toUser(row) : undefined };
  }

  /**
   * The user with this address and the identities linked to it, oldest first, in one query (what
   * home-realm discovery reads for every sign-in that names an address).
   */
  async userByEmailWithIdentities(mail: string): Promise<{ user: User; identities: LinkedIdentity[] } | undefined> {
    const rows = await this.db('users')
      .leftJoin('identities', 'identities.user_id', 'users.id')
      .where('users.mail_normalized', normalizeEmail(mail))
      .orderBy('identities.created_at')
      .select<(UserRow & { [K in keyof IdentityRow as `identity_${K}`]: IdentityRow[K] | null })[]>('users.*', ...IDENTITY_COLUMNS.map((c) => `identities.${c} as identity_${c}`));
    if (!rows.length) return undefined;
    const identities = rows.filter((r) => r.identity_id !== null).map((r) => toIdentity(Object.fromEntries(IDENTITY_COLUMNS.map((c) => [c, r[`identity_${c}`]])) as unknown as IdentityRow));
    return { user: toUser(rows[0]!), identities };
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
    await writeUsers(trx, userId, (users) => users.where({ id: userId }).whereNull('home_idp').update({ home_idp: row.idp_id }));
    return toIdentity(row);
  }

  async touch(id: string): Promise<void> {
    await this.db('identities').where({ id }).update({ last_used_at: nowIso() });
  }

  async removeAllForUser(userId: string, trx: Database = this.db): Promise<number> {
    const removed = await trx('identities').where({ user_id: userId }).delete();
    await writeUsers(trx, userId, (users) => users.where({ id: userId }).update({ home_idp: null }));
    return removed;
  }
}
