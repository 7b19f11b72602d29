import type { AuditLog } from '../audit/audit-log.js';
import type { Database } from '../db/connect.js';
import type { Actor } from '../directory/user-lifecycle.js';
import type { User } from '../directory/user-model.js';
import type { UsersRepository } from '../directory/users-repository.js';
import { HttpError } from '../http/http-error.js';
import type { DirectoryRole } from './directory-roles.js';

/**
 * Granting and removing directory roles, for the API and the CLI alike. Who may call it is the
 * caller's check (the API: RoleManagement.ReadWrite.Directory, which only a Global Administrator's
 * token or an app granted it in config holds; the CLI: whoever runs it on the server). What stays
 * true whoever calls: a guest holds no role unless config allows it, the last enabled Global
 * Administrator is never removed, and every change is one transaction with its audit entry.
 */
export class RoleAssignments {
  constructor(private readonly deps: { db: Database; users: UsersRepository; audit: AuditLog; allowGuests: boolean }) {}

  members(role: DirectoryRole): Promise<User[]> {
    return this.deps.users.withRole(role.key);
  }

  /** Grants the role; granting one already held changes nothing (and answers `false`). */
  async grant(role: DirectoryRole, userId: string, actor: Actor, correlationId?: string): Promise<boolean> {
    return this.deps.db.transaction(async (trx) => {
      const user = await this.require(userId, trx);
      if (user.roles.includes(role.key)) return false;
      if (user.userType === 'Guest' && !this.deps.allowGuests) {
        throw new HttpError(400, 'guestCannotHoldRole', `${user.mail} is a guest; guests hold no directory role unless directoryRoles.allowGuests is true in config.`);
      }
      await this.deps.users.setRoles(user.id, [...user.roles, role.key], trx);
      await this.record('Add member to role', role, user, actor, correlationId, trx);
      return true;
    });
  }

  async revoke(role: DirectoryRole, userId: string, actor: Actor, correlationId?: string): Promise<void> {
    await this.deps.db.transaction(async (trx) => {
      const user = await this.require(userId, trx);
      if (!user.roles.includes(role.key)) throw new HttpError(404, 'Request_ResourceNotFound', `${user.mail} does not hold the ${role.displayName} role.`);
      if (role.key === 'admin') {
        const others = (await this.deps.users.withRole('admin', trx)).filter((u) => u.id !== user.id && u.accountEnabled);
        if (others.length === 0) throw new HttpError(400, 'lastAdministrator', 'This is the last enabled Global Administrator; grant the role to someone else first.');
      }
      await this.deps.users.setRoles(user.id, user.roles.filter((r) => r !== role.key), trx);
      await this.record('Remove member from role', role, user, actor, correlationId, trx);
    });
  }

  private async require(id: string, trx: Database): Promise<User> {
    const user = await this.deps.users.findById(id, trx);
    if (!user) throw new HttpError(404, 'Request_ResourceNotFound', `No user has the id ${id}.`);
    return user;
  }

  private record(activity: string, role: DirectoryRole, user: User, actor: Actor, correlationId: string | undefined, trx: Database) {
    return this.deps.audit.record(
      { category: 'RoleManagement', activity, result: 'success', actor, target: { type: 'User', id: user.id }, details: { roleId: role.id, role: role.displayName, mail: user.mail }, correlationId },
      trx,
    );
  }
}
