import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { Database } from '../db/connect.js';
import { isUniqueViolation } from '../db/unique-violation.js';
import { nowIso, systemClock, type Clock } from '../lib/clock.js';
import { DEFAULT_APP_ROLE_ID } from '../config/app-claims-schema.js';

export type PrincipalType = 'User' | 'Group';

/** A user or group assigned to an app in one of its roles (Graph's appRoleAssignment). */
export interface AppAssignment {
  id: string;
  appId: string;
  principalType: PrincipalType;
  principalId: string;
  /** The app role granted; DEFAULT_APP_ROLE_ID is plain access. */
  appRoleId: string;
  createdDateTime: string;
  /** When the assignment ends (the lifecycle sweep removes it then); null: it does not. */
  expirationDateTime: string | null;
}

interface AssignmentRow {
  id: string;
  app_id: string;
  principal_type: PrincipalType;
  principal_id: string;
  app_role_id: string;
  created_at: string;
  expires_at?: string | null;
}

const toAssignment = (r: AssignmentRow): AppAssignment => ({
  id: r.id,
  appId: r.app_id,
  principalType: r.principal_type,
  principalId: r.principal_id,
  appRoleId: r.app_role_id,
  createdDateTime: r.created_at,
  expirationDateTime: r.expires_at ?? null,
});

/** Still in force: no end, or an end still ahead (the sweep removes ended ones; this covers the time until it runs). */
const inForceAt = (clock: Clock) => (q: Knex.QueryBuilder) => q.whereNull('expires_at').orWhere('expires_at', '>', clock.now().toISOString());

export class AlreadyAssignedError extends Error {
  constructor(readonly existing: AppAssignment) {
    super('the principal is already assigned to this app');
  }
}

/**
 * App assignments. Apps live in config, so `app_id` has no foreign key; principals are users or
 * groups, so `principal_id` has none either, and deleting a user or group must call
 * removeForPrincipal in the same transaction.
 */
export class AssignmentsRepository {
  private readonly inForce: (q: Knex.QueryBuilder) => Knex.QueryBuilder;

  /**
   * `clock` decides which assignments are still in force: the same clock the expiry sweep reads
   * (shared services), so the gate and the sweep agree on when an assignment has ended.
   */
  constructor(
    private readonly db: Database,
    clock: Clock = systemClock,
  ) {
    this.inForce = inForceAt(clock);
  }

  async assign(appId: string, principalType: PrincipalType, principalId: string, trx: Database = this.db, options: { appRoleId?: string; expiresAt?: string | null } = {}): Promise<AppAssignment> {
    const appRoleId = options.appRoleId ?? DEFAULT_APP_ROLE_ID;
    const existing = await this.find(appId, principalType, principalId, trx, appRoleId);
    if (existing) throw new AlreadyAssignedError(existing);
    const row: AssignmentRow = { id: randomUUID(), app_id: appId, principal_type: principalType, principal_id: principalId, app_role_id: appRoleId, created_at: nowIso(), expires_at: options.expiresAt ?? null };
    try {
      await trx('app_assignments').insert(row);
    } catch (err) {
      if (isUniqueViolation(err)) throw new AlreadyAssignedError((await this.find(appId, principalType, principalId, trx, appRoleId))!);
      throw err;
    }
    return toAssignment(row);
  }

  /** The principal's assignment to the app in that role (default: plain access). */
  async find(appId: string, principalType: PrincipalType, principalId: string, trx: Database = this.db, appRoleId: string = DEFAULT_APP_ROLE_ID): Promise<AppAssignment | undefined> {
    const row = await trx<AssignmentRow>('app_assignments').where({ app_id: appId, principal_type: principalType, principal_id: principalId, app_role_id: appRoleId }).first();
    return row ? toAssignment(row) : undefined;
  }

  async findById(id: string, trx: Database = this.db): Promise<AppAssignment | undefined> {
    const row = await trx<AssignmentRow>('app_assignments').where({ id }).first();
    return row ? toAssignment(row) : undefined;
  }

  async listForApp(appId: string, page: { top: number; skip: number } = { top: 1000, skip: 0 }, trx: Database = this.db): Promise<AppAssignment[]> {
    const rows = await trx<AssignmentRow>('app_assignments')
      .where({ app_id: appId })
      .orderBy([{ column: 'created_at' }, { column: 'id' }])
      .limit(page.top)
      .offset(page.skip);
    return rows.map(toAssignment);
  }

  async listForPrincipal(principalType: PrincipalType, principalId: string, trx: Database = this.db): Promise<AppAssignment[]> {
    const rows = await trx<AssignmentRow>('app_assignments').where({ principal_type: principalType, principal_id: principalId }).orderBy([{ column: 'created_at' }, { column: 'id' }]);
    return rows.map(toAssignment);
  }

  /** The assignments of several principals of one kind (a page of users), in one query. */
  async listForPrincipals(principalType: PrincipalType, principalIds: string[], trx: Database = this.db): Promise<AppAssignment[]> {
    const rows = await trx<AssignmentRow>('app_assignments').where({ principal_type: principalType }).whereIn('principal_id', principalIds).orderBy([{ column: 'created_at' }, { column: 'id' }]);
    return rows.map(toAssignment);
  }

  async remove(id: string, trx: Database = this.db): Promise<boolean> {
    return (await trx('app_assignments').where({ id }).delete()) === 1;
  }

  async removeForPrincipal(principalType: PrincipalType, principalId: string, trx: Database = this.db): Promise<number> {
    return trx('app_assignments').where({ principal_type: principalType, principal_id: principalId }).delete();
  }

  /** The apps a user is assigned to, directly or through any group they are a member of. */
  async appIdsForUser(userId: string, trx: Database = this.db): Promise<Set<string>> {
    const rows: { app_id: string }[] = await trx('app_assignments')
      .where(this.inForce)
      .andWhere((q) =>
        q
          .where({ principal_type: 'User', principal_id: userId })
          .orWhere((g) => g.where({ principal_type: 'Group' }).whereIn('principal_id', trx('group_members').select('group_id').where({ user_id: userId }))),
      )
      .distinct('app_id');
    return new Set(rows.map((r) => r.app_id));
  }

  async isUserAssigned(appId: string, userId: string, trx: Database = this.db): Promise<boolean> {
    const row = await trx('app_assignments')
      .where({ app_id: appId })
      .andWhere(this.inForce)
      .andWhere((q) =>
        q
          .where({ principal_type: 'User', principal_id: userId })
          .orWhere((g) => g.where({ principal_type: 'Group' }).whereIn('principal_id', trx('group_members').select('group_id').where({ user_id: userId }))),
      )
      .first('id');
    return Boolean(row);
  }
}
