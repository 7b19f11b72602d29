import type { AuditLog } from '../audit/audit-log.js';
import { DEFAULT_APP_ROLE_ID, type AppRole } from '../config/app-claims-schema.js';
import type { AppConfig } from '../config/apps-schema.js';
import type { Database } from '../db/connect.js';
import { HttpError } from '../http/http-error.js';
import type { Logger } from '../logging/logger.js';
import type { AccountSessions } from './account-sessions.js';
import { AlreadyAssignedError, type AppAssignment, type AssignmentsRepository, type PrincipalType } from './assignments-repository.js';
import type { GroupsRepository } from './groups-repository.js';
import type { Actor, AfterCommit, ChangeDetails } from './user-lifecycle.js';
import type { UsersRepository } from './users-repository.js';

/** An assignment with the names people read (Graph's appRoleAssignment fields). */
export interface DescribedAssignment extends AppAssignment {
  principalDisplayName: string;
  resourceDisplayName: string;
  /** The role's value (the roles claim), or null for default access or a role no longer in config. */
  appRoleValue: string | null;
}

/**
 * Assigning users and groups to apps, for the API, the CLI and owners on My Apps: checks that the
 * app and the principal exist, writes the assignment and its audit entry in one transaction, and
 * on removal revokes the user's grants for an app that requires assignment, so a refresh token
 * does not outlive the access it was issued for.
 */
export class AppAssignmentService {
  private readonly apps: Map<string, AppConfig>;

  constructor(
    private readonly deps: { db: Database; apps: AppConfig[]; assignments: AssignmentsRepository; users: UsersRepository; groups: GroupsRepository; audit: AuditLog; sessions: AccountSessions; logger?: Logger },
  ) {
    this.apps = new Map(deps.apps.map((a) => [a.id, a]));
  }

  app(appId: string): AppConfig | undefined {
    return this.apps.get(appId);
  }

  requireApp(appId: string): AppConfig {
    const app = this.apps.get(appId);
    if (!app) throw new HttpError(404, 'Request_ResourceNotFound', `No app has the id ${appId}.`);
    return app;
  }

  /** Which kind of principal an id names, or undefined. */
  async principalTypeOf(id: string, trx: Database = this.deps.db): Promise<PrincipalType | undefined> {
    if (await this.deps.users.findById(id, trx)) return 'User';
    if (await this.deps.groups.findById(id, trx)) return 'Group';
    return undefined;
  }

  /**
   * The app role an assignment would grant: default access, or one of the app's roles by id (or, for
   * people typing at the CLI or on a page, by value). Unknown: a 400 naming the app's roles.
   */
  requireRole(app: AppConfig, roleIdOrValue: string | undefined): AppRole | undefined {
    if (roleIdOrValue === undefined || roleIdOrValue === DEFAULT_APP_ROLE_ID) return undefined;
    const wanted = roleIdOrValue.toLowerCase();
    const role = app.appRoles.find((r) => r.id.toLowerCase() === wanted) ?? app.appRoles.find((r) => r.value === roleIdOrValue);
    if (role) return role;
    const known = app.appRoles.map((r) => `${r.value} (${r.id})`).join(', ');
    throw new HttpError(400, 'invalidAppRoleId', `${app.displayName} has no app role ${roleIdOrValue}. ${known ? `Its roles: ${known}` : 'It defines no app roles'}; ${DEFAULT_APP_ROLE_ID} is plain access.`);
  }

  /** Assigns (in the role named, else default access; until expiresAt, when given); joins the caller's transaction when given (an owner's invitation assigns the new guest). */
  async assign(appId: string, principal: { type: PrincipalType; id: string }, actor: Actor, correlationId?: string, trx?: Database, options: { appRoleId?: string; expiresAt?: string } = {}): Promise<AppAssignment> {
    const work = async (t: Database) => {
      const app = this.requireApp(appId);
      const role = this.requireRole(app, options.appRoleId);
      const exists = principal.type === 'User' ? await this.deps.users.findById(principal.id, t) : await this.deps.groups.findById(principal.id, t);
      if (!exists) throw new HttpError(404, 'Request_ResourceNotFound', `No ${principal.type === 'User' ? 'user' : 'group'} has the id ${principal.id}.`);
      let assignment: AppAssignment;
      try {
        assignment = await this.deps.assignments.assign(app.id, principal.type, principal.id, t, { appRoleId: role?.id ?? DEFAULT_APP_ROLE_ID, expiresAt: options.expiresAt ?? null });
      } catch (err) {
        if (err instanceof AlreadyAssignedError) throw new HttpError(409, 'assignmentExists', `That ${principal.type === 'User' ? 'user' : 'group'} is already assigned to ${app.displayName}${role ? ` as ${role.value}` : ''}.`);
        throw err;
      }
      await this.deps.audit.record(
        { category: 'ApplicationManagement', activity: `Add app role assignment to ${principal.type === 'User' ? 'user' : 'group'}`, result: 'success', actor, target: { type: principal.type, id: principal.id }, details: { appId: app.id, assignmentId: assignment.id, appRoleId: assignment.appRoleId, ...(options.expiresAt ? { expirationDateTime: options.expiresAt } : {}) }, correlationId },
        t,
      );
      return assignment;
    };
    return trx ? work(trx) : this.deps.db.transaction(work);
  }

  /**
   * Removes an assignment; `expect` narrows which one may be removed through this route (an app's
   * or a principal's), so an id from elsewhere is a 404, not a removal.
   */
  async unassign(assignmentId: string, expect: { appId?: string; principalId?: string }, actor: Actor, correlationId?: string): Promise<AppAssignment> {
    let after: AfterCommit | undefined;
    const removed = await this.deps.db.transaction(async (trx) => {
      const assignment = await this.deps.assignments.findById(assignmentId, trx);
      if (!assignment || (expect.appId && assignment.appId !== expect.appId) || (expect.principalId && assignment.principalId !== expect.principalId)) {
        throw new HttpError(404, 'Request_ResourceNotFound', `No app role assignment has the id ${assignmentId} here.`);
      }
      after = await this.removeIn(trx, assignment, actor, {}, correlationId);
      return assignment;
    });
    await after?.();
    return removed;
  }

  /**
   * Removes an assignment inside the caller's transaction (a sweep or a review that claims its item
   * in the same one), with its audit entry carrying `details`; undefined when another transaction
   * removed it first (nothing done, nothing owed). The returned AfterCommit revokes the user's grants for an app that requires
   * assignment, so a refresh token does not outlive the access it was issued for.
   */
  async removeIn(trx: Database, assignment: AppAssignment, actor: Actor, details: ChangeDetails, correlationId?: string): Promise<AfterCommit | undefined> {
    if (!(await this.deps.assignments.remove(assignment.id, trx))) return undefined;
    await this.deps.audit.record(
      { category: 'ApplicationManagement', activity: `Remove app role assignment from ${assignment.principalType === 'User' ? 'user' : 'group'}`, result: 'success', actor, target: { type: assignment.principalType, id: assignment.principalId }, details: { appId: assignment.appId, assignmentId: assignment.id, appRoleId: assignment.appRoleId, ...details }, correlationId },
      trx,
    );
    return this.afterRemoval(assignment);
  }

  /**
   * What a removal owes after its commit: the user's grants for an app that requires assignment
   * revoked (best effort: the assignment check at the next sign-in and refresh refuses the user in
   * any case); also for a caller that lost it (a killed node).
   */
  afterRemoval(assignment: Pick<AppAssignment, 'principalType' | 'principalId' | 'appId'>): AfterCommit {
    if (assignment.principalType !== 'User' || !this.apps.get(assignment.appId)?.assignmentRequired) return async () => {};
    return () =>
      this.deps.sessions.revokeForClient(assignment.principalId, assignment.appId).then(
        () => undefined,
        (err: unknown) => this.deps.logger?.warn({ err, userId: assignment.principalId, appId: assignment.appId }, 'revoking grants after unassignment failed'),
      );
  }

  async describe(assignment: AppAssignment, trx: Database = this.deps.db): Promise<DescribedAssignment> {
    const principal = assignment.principalType === 'User' ? await this.deps.users.findById(assignment.principalId, trx) : await this.deps.groups.findById(assignment.principalId, trx);
    return {
      ...assignment,
      principalDisplayName: principal?.displayName ?? assignment.principalId,
      resourceDisplayName: this.apps.get(assignment.appId)?.displayName ?? assignment.appId,
      appRoleValue: this.apps.get(assignment.appId)?.appRoles.find((r) => r.id.toLowerCase() === assignment.appRoleId.toLowerCase())?.value ?? null,
    };
  }
}
