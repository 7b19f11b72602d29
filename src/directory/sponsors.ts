import type { AuditLog } from '../audit/audit-log.js';
import type { Database } from '../db/connect.js';
import { HttpError } from '../http/http-error.js';
import { nowIso } from '../lib/clock.js';
import type { Actor } from './user-lifecycle.js';
import { toUser, type User, type UserRow } from './user-model.js';

/** Entra allows up to five sponsors per user. */
export const MAX_SPONSORS = 5;

/**
 * Graph's user.sponsors: the members of the host who answer for a guest. They get the mails about
 * the guest's expiry and inactivity, may extend the guest's access, and review it. Only enabled
 * members can sponsor (a guest vouching for a guest would vouch for no one at the host).
 */
export class Sponsors {
  constructor(private readonly deps: { db: Database; audit: AuditLog }) {}

  async list(userId: string, trx: Database = this.deps.db): Promise<User[]> {
    const rows: UserRow[] = await trx('user_sponsors')
      .join('users', 'users.id', 'user_sponsors.sponsor_id')
      .where('user_sponsors.user_id', userId)
      .orderBy([{ column: 'user_sponsors.created_at' }, { column: 'users.id' }])
      .select('users.*');
    return rows.map(toUser);
  }

  /** The guests this user sponsors. */
  async sponsoredBy(sponsorId: string, trx: Database = this.deps.db): Promise<string[]> {
    return (await trx('user_sponsors').where({ sponsor_id: sponsorId }).pluck('user_id')) as string[];
  }

  async isSponsor(userId: string, sponsorId: string, trx: Database = this.deps.db): Promise<boolean> {
    return Boolean(await trx('user_sponsors').where({ user_id: userId, sponsor_id: sponsorId }).first('user_id'));
  }

  async userById(id: string, trx: Database = this.deps.db): Promise<User | undefined> {
    const row = (await trx('users').where({ id }).first()) as UserRow | undefined;
    return row ? toUser(row) : undefined;
  }

  /** Checks that the user may sponsor: an enabled member. 400 otherwise (a stable code). */
  async requireEligible(sponsorId: string, trx: Database = this.deps.db): Promise<User> {
    const row = (await trx('users').where({ id: sponsorId }).first()) as UserRow | undefined;
    if (!row) throw new HttpError(400, 'invalidSponsor', `No user has the id ${sponsorId}, so they cannot sponsor anyone.`);
    const sponsor = toUser(row);
    if (sponsor.userType !== 'Member' || !sponsor.accountEnabled) {
      throw new HttpError(400, 'invalidSponsor', `${sponsor.mail} cannot sponsor a guest: sponsors are enabled members of this organisation.`);
    }
    return sponsor;
  }

  /** Adds a sponsor (the caller's transaction). False when already a sponsor. */
  async add(userId: string, sponsorId: string, actor: Actor, trx: Database, correlationId?: string): Promise<boolean> {
    if (sponsorId === userId) throw new HttpError(400, 'invalidSponsor', 'A user cannot sponsor themselves.');
    await this.requireEligible(sponsorId, trx);
    if (await this.isSponsor(userId, sponsorId, trx)) return false;
    const count = Number((await trx('user_sponsors').where({ user_id: userId }).count({ n: '*' }).first())?.n ?? 0);
    if (count >= MAX_SPONSORS) throw new HttpError(400, 'tooManySponsors', `A user has at most ${MAX_SPONSORS} sponsors; remove one first.`);
    await trx('user_sponsors').insert({ user_id: userId, sponsor_id: sponsorId, created_at: nowIso() });
    await this.deps.audit.record({ category: 'UserManagement', activity: 'Add sponsor', result: 'success', actor, target: { type: 'User', id: userId }, details: { sponsorId }, correlationId }, trx);
    return true;
  }

  async remove(userId: string, sponsorId: string, actor: Actor, trx: Database, correlationId?: string): Promise<boolean> {
    const removed = (await trx('user_sponsors').where({ user_id: userId, sponsor_id: sponsorId }).delete()) === 1;
    if (removed) {
      await this.deps.audit.record({ category: 'UserManagement', activity: 'Remove sponsor', result: 'success', actor, target: { type: 'User', id: userId }, details: { sponsorId }, correlationId }, trx);
    }
    return removed;
  }

  /** At invitation: the guest's first sponsors, when they have none yet (a re-invitation keeps the ones they have). */
  async setInitial(userId: string, sponsorIds: string[], actor: Actor, trx: Database, correlationId?: string): Promise<void> {
    if ((await this.list(userId, trx)).length) return;
    for (const id of [...new Set(sponsorIds)]) await this.add(userId, id, actor, trx, correlationId);
  }
}
