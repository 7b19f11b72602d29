import type { AuditEntry, AuditLog } from '../audit/audit-log.js';
import type { Database } from '../db/connect.js';
import { HttpError } from '../http/http-error.js';
import type { Logger } from '../logging/logger.js';
import type { LogoutReason } from '../logout/logout-queue.js';
import type { AccountSessions } from './account-sessions.js';
import { accessEnded } from './account-usable.js';
import type { DirectoryUsers, UserChanges } from './directory-users.js';
import type { User } from './user-model.js';
import type { UsersRepository } from './users-repository.js';

export type Actor = AuditEntry['actor'];

/** Work owed once the caller's transaction has committed (ending sessions); never throws. */
export type AfterCommit = () => Promise<void>;

/** Why the system made a change, recorded in the audit entry's details (the sweeps' reasons). */
export type ChangeDetails = Record<string, unknown>;

/**
 * Changes to a user that end access: updating (disabling), deleting, a guest leaving the
 * organisation. The change and its audit entry are one transaction; sessions and grants are
 * revoked after the commit (the provider's state may live in Redis, and on SQLite a query outside
 * the open transaction would wait for it). If revocation fails the change still stands, and
 * findAccount refuses the disabled or deleted user anyway.
 *
 * The lifecycle sweeps and access reviews disable and delete through disableIn/deleteIn, inside
 * the transaction that claims their item, so the change, its audit entry and the apps' logout
 * tokens (reason `disabled` or `deleted`) are the same as an administrator's.
 */
export class UserLifecycle {
  constructor(
    private readonly deps: { db: Database; users: UsersRepository; directory: DirectoryUsers; audit: AuditLog; sessions: AccountSessions; logger?: Logger },
  ) {}

  async update(id: string, changes: UserChanges, actor: Actor, correlationId?: string): Promise<User> {
    const { before, after } = await this.deps.db.transaction(async (trx) => (await this.change(trx, id, changes, actor, { correlationId }))!);
    if (before.accountEnabled && !after.accountEnabled) await this.revokeSessions(id, actor, correlationId, 'disabled');
    return after;
  }

  /**
   * Disables an enabled user inside the caller's transaction (one conditional UPDATE: of two
   * transactions only one disables) with its audit entry; undefined when the user is gone or
   * already disabled. The returned AfterCommit ends their sessions (logout reason `disabled`).
   */
  async disableIn(trx: Database, id: string, actor: Actor, details: ChangeDetails, correlationId?: string): Promise<AfterCommit | undefined> {
    const changed = await this.change(trx, id, { accountEnabled: false }, actor, { correlationId, details, onlyIfEnabled: true });
    return changed ? this.afterDisable(id, actor, correlationId) : undefined;
  }

  /**
   * Switches back on, inside the caller's transaction, a guest the expiry sweep disabled, once the
   * caller has given them a new end in the same transaction (a new invitation with a new end).
   * Only when the last thing that switched the account off was the sweep (its audit entry, reason
   * accessExpired): an administrator's disable, or a guest leaving, is never undone this way.
   * Returns whether it enabled.
   */
  async enableAfterSweepIn(trx: Database, id: string, actor: Actor, details: ChangeDetails, correlationId?: string): Promise<boolean> {
    const user = await this.deps.users.findById(id, trx);
    if (!user || user.accountEnabled || !(await lastDisabledBySweep(trx, id))) return false;
    return (await this.change(trx, id, { accountEnabled: true }, actor, { correlationId, details })) !== undefined;
  }

  /** What a disable owes after its commit (sessions ended, reason `disabled`), also for a caller that lost it (a killed node). */
  afterDisable(id: string, actor: Actor, correlationId?: string): AfterCommit {
    return this.afterCommit(id, actor, correlationId, 'disabled');
  }

  async delete(id: string, actor: Actor, correlationId?: string): Promise<void> {
    await this.deps.db.transaction((trx) => this.remove(trx, id, actor, {}, correlationId));
    await this.revokeSessions(id, actor, correlationId, 'deleted');
  }

  /**
   * Deletes a user inside the caller's transaction, with its audit entry; undefined when the user is
   * already gone. The returned AfterCommit ends their sessions (logout reason `deleted`).
   */
  async deleteIn(trx: Database, id: string, actor: Actor, details: ChangeDetails, correlationId?: string): Promise<AfterCommit | undefined> {
    if (!(await this.deps.users.findById(id, trx))) return undefined;
    await this.remove(trx, id, actor, details, correlationId);
    return this.afterCommit(id, actor, correlationId, 'deleted');
  }

  /** The one path of an update: the change and its audit entry, in `trx`. */
  private async change(trx: Database, id: string, changes: UserChanges, actor: Actor, opts: { correlationId?: string; details?: ChangeDetails; onlyIfEnabled?: boolean }): Promise<{ before: User; after: User } | undefined> {
    const before = opts.onlyIfEnabled ? await this.deps.users.findById(id, trx) : await this.require(id, trx);
    if (!before) return undefined;
    // Switching on an account whose access end has passed would not let the guest sign in (every
    // sign-in and token checks the end), only make the caller believe it had: Graph, the console and
    // the CLI refuse it as SCIM does. The way back is a new invitation with a new end (an extension link dies at the end).
    if (changes.accountEnabled === true && accessEnded(before, this.deps.users.clock.now())) throw accessEndedRefusal();
    const after = await this.deps.directory.update(id, changes, trx, opts.onlyIfEnabled ? { accountEnabled: true } : undefined);
    if (!after) return undefined;
    const activity = changes.accountEnabled === false && before.accountEnabled ? 'Disable account' : changes.accountEnabled === true && !before.accountEnabled ? 'Enable account' : 'Update user';
    await this.deps.audit.record(
      { category: 'UserManagement', activity, result: 'success', actor, target: { type: 'User', id }, details: { modifiedProperties: Object.keys(changes), ...opts.details }, correlationId: opts.correlationId },
      trx,
    );
    return { before, after };
  }

  /** The one path of a deletion: the user (and what goes with them) and the audit entry, in `trx`. */
  private async remove(trx: Database, id: string, actor: Actor, details: ChangeDetails, correlationId?: string): Promise<void> {
    const user = await this.require(id, trx);
    await this.deps.directory.delete(id, trx);
    await this.deps.audit.record(
      { category: 'UserManagement', activity: 'Delete user', result: 'success', actor, target: { type: 'User', id }, details: { mail: user.mail, userType: user.userType, ...details }, correlationId },
      trx,
    );
  }

  /** After the commit: sessions ended, a failure logged (sign-in refuses the user anyway). */
  private afterCommit(id: string, actor: Actor, correlationId: string | undefined, reason: LogoutReason): AfterCommit {
    return () =>
      this.revokeSessions(id, actor, correlationId, reason).then(
        () => undefined,
        () => undefined, // revokeSessions logged and audited the failure
      );
  }

  /** A guest ends their own access (Entra's "Leave organization"): disabled, signed out everywhere. */
  async leaveOrganization(id: string, correlationId?: string): Promise<void> {
    const actor: Actor = { type: 'user', id };
    await this.deps.db.transaction(async (trx) => {
      const user = await this.require(id, trx);
      if (user.userType !== 'Guest') throw new HttpError(400, 'notAGuest', 'Only guests can leave the organisation; members are managed by their administrator.');
      await this.deps.directory.update(id, { accountEnabled: false }, trx);
      await this.deps.audit.record({ category: 'UserManagement', activity: 'Leave organization', result: 'success', actor, target: { type: 'User', id }, details: { mail: user.mail }, correlationId }, trx);
    });
    await this.revokeSessions(id, actor, correlationId, 'leftOrganization');
  }

  /**
   * Graph's revokeSignInSessions: ends every session and revokes every refresh token of the user;
   * apps that registered a back-channel logout URI are sent a logout token (src/logout/).
   */
  async revokeSessions(id: string, actor: Actor, correlationId?: string, reason: LogoutReason = 'sessionsRevoked'): Promise<{ sessions: number; grants: number }> {
    try {
      const result = await this.deps.sessions.revokeAll(id, reason);
      await this.deps.audit.record({ category: 'UserManagement', activity: 'Revoke sign-in sessions', result: 'success', actor, target: { type: 'User', id }, details: result, correlationId });
      return result;
    } catch (err) {
      this.deps.logger?.error({ err, userId: id, requestId: correlationId }, 'revoking sessions failed');
      await this.deps.audit
        .record({ category: 'UserManagement', activity: 'Revoke sign-in sessions', result: 'failure', resultReason: 'storage error', actor, target: { type: 'User', id }, correlationId })
        .catch(() => {});
      throw new HttpError(503, 'sessionRevocationFailed', 'The change was saved, but existing sign-in sessions could not all be ended. The user can no longer sign in; try revoking sessions again in a moment.');
    }
  }

  /** Ends one session of the user (the admin console's "Sign out this session"), audited like revokeSessions. */
  async revokeSession(id: string, sessionId: string, actor: Actor, correlationId?: string): Promise<{ sessions: number; grants: number }> {
    const result = await this.deps.sessions.revokeOne(id, sessionId);
    if (result.sessions === 0) throw new HttpError(404, 'sessionNotFound', 'This sign-in session has already ended.');
    await this.deps.audit.record({ category: 'UserManagement', activity: 'Revoke sign-in session', result: 'success', actor, target: { type: 'User', id }, details: result, correlationId });
    return result;
  }

  private async require(id: string, trx: Database): Promise<User> {
    const user = await this.deps.users.findById(id, trx);
    if (!user) throw new HttpError(404, 'Request_ResourceNotFound', `No user has the id ${id}.`);
    return user;
  }
}

function accessEndedRefusal(): HttpError {
  return new HttpError(400, 'accessEnded', "This guest's access has ended, so enabling the account would not let them sign in. Send them a new invitation with a new end date.");
}

/** Activities that switch an account off or on, newest first: the newest tells who switched it off. */
const SWITCHES = ['Disable account', 'Enable account', 'Leave organization', 'Update user'];

/** Whether the newest entry that switched the account off or on is the expiry sweep's disable (reason accessExpired). */
async function lastDisabledBySweep(trx: Database, id: string): Promise<boolean> {
  const rows = (await trx('audit_log')
    .where({ category: 'UserManagement', target_id: id, result: 'success' })
    .whereIn('activity', SWITCHES)
    .orderBy('activity_at', 'desc')
    .limit(20)
    .select('activity', 'actor_type', 'details')) as { activity: string; actor_type: string; details: string | null }[];
  const last = rows.find((r) => r.activity !== 'Update user' || mentionsAccountEnabled(r.details));
  if (!last || last.activity !== 'Disable account' || last.actor_type !== 'system') return false;
  return (JSON.parse(last.details ?? '{}') as { reason?: unknown }).reason === 'accessExpired';
}

/** An update that may have switched the account (SCIM's entries do not list what changed) counts as one: never re-enable on a guess. */
function mentionsAccountEnabled(details: string | null): boolean {
  const parsed = JSON.parse(details ?? '{}') as { modifiedProperties?: unknown };
  return !Array.isArray(parsed.modifiedProperties) || parsed.modifiedProperties.includes('accountEnabled');
}
