import type { AuditEntry, AuditLog } from '../audit/audit-log.js';
import type { Database } from '../db/connect.js';
import { HttpError } from '../http/http-error.js';
import type { Logger } from '../logging/logger.js';
import type { LogoutReason } from '../logout/logout-queue.js';
import type { AccountSessions } from './account-sessions.js';
import type { DirectoryUsers, UserChanges } from './directory-users.js';
import type { User } from './user-model.js';
import type { UsersRepository } from './users-repository.js';

export type Actor = AuditEntry['actor'];

/**
 * Changes to a user that end access: updating (disabling), deleting, a guest leaving the
 * organisation. The change and its audit entry are one transaction; sessions and grants are
 * revoked after the commit (the provider's state may live in Redis, and on SQLite a query outside
 * the open transaction would wait for it). If revocation fails the change still stands, and
 * findAccount refuses the disabled or deleted user anyway.
 */
export class UserLifecycle {
  constructor(
    private readonly deps: { db: Database; users: UsersRepository; directory: DirectoryUsers; audit: AuditLog; sessions: AccountSessions; logger?: Logger },
  ) {}

  async update(id: string, changes: UserChanges, actor: Actor, correlationId?: string): Promise<User> {
    const { before, after } = await this.deps.db.transaction(async (trx) => {
      const before = await this.require(id, trx);
      const after = (await this.deps.directory.update(id, changes, trx))!;
      const activity = changes.accountEnabled === false && before.accountEnabled ? 'Disable account' : changes.accountEnabled === true && !before.accountEnabled ? 'Enable account' : 'Update user';
      await this.deps.audit.record(
        { category: 'UserManagement', activity, result: 'success', actor, target: { type: 'User', id }, details: { modifiedProperties: Object.keys(changes) }, correlationId },
        trx,
      );
      return { before, after };
    });
    if (before.accountEnabled && !after.accountEnabled) await this.revokeSessions(id, actor, correlationId, 'disabled');
    return after;
  }

  async delete(id: string, actor: Actor, correlationId?: string): Promise<void> {
    await this.deps.db.transaction(async (trx) => {
      const user = await this.require(id, trx);
      await this.deps.directory.delete(id, trx);
      await this.deps.audit.record(
        { category: 'UserManagement', activity: 'Delete user', result: 'success', actor, target: { type: 'User', id }, details: { mail: user.mail, userType: user.userType }, correlationId },
        trx,
      );
    });
    await this.revokeSessions(id, actor, correlationId, 'deleted');
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

  private async require(id: string, trx: Database): Promise<User> {
    const user = await this.deps.users.findById(id, trx);
    if (!user) throw new HttpError(404, 'Request_ResourceNotFound', `No user has the id ${id}.`);
    return user;
  }
}
