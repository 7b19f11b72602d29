import type { AuditLog } from '../audit/audit-log.js';
import type { Database } from '../db/connect.js';
import { HttpError } from '../http/http-error.js';
import type { AssignmentsRepository } from './assignments-repository.js';
import type { Group, GroupLink, GroupsRepository } from './groups-repository.js';
import type { Actor } from './user-lifecycle.js';
import type { User } from './user-model.js';
import type { UsersRepository } from './users-repository.js';

const LINK_NAMES: Record<GroupLink, { one: string; added: string; removed: string }> = {
  members: { one: 'a member', added: 'Add member to group', removed: 'Remove member from group' },
  owners: { one: 'an owner', added: 'Add owner to group', removed: 'Remove owner from group' },
};

/**
 * Changing groups (the API's /groups and the admin console): each change and its audit entry in
 * one transaction, so the audit log reads the same whichever door was used. Errors carry the API's
 * codes; `asOwner` marks changes a group's owner made rather than an admin.
 */
export class GroupService {
  constructor(private readonly deps: { db: Database; groups: GroupsRepository; assignments: AssignmentsRepository; users: UsersRepository; audit: AuditLog }) {}

  async require(id: string, trx: Database = this.deps.db): Promise<Group> {
    const group = /^[0-9a-f-]{36}$/i.test(id) ? await this.deps.groups.findById(id.toLowerCase(), trx) : undefined;
    if (!group) throw new HttpError(404, 'Request_ResourceNotFound', `No group has the id ${id}.`);
    return group;
  }

  async create(input: { displayName: string; description?: string | null }, actor: Actor, correlationId?: string): Promise<Group> {
    return this.deps.db.transaction(async (trx) => {
      const created = await this.deps.groups.create(input, trx);
      await this.deps.audit.record({ category: 'GroupManagement', activity: 'Add group', result: 'success', actor, target: { type: 'Group', id: created.id }, details: { displayName: created.displayName }, correlationId }, trx);
      return created;
    });
  }

  /** Renames (and re-describes) a group; returns it as it was before. */
  async update(id: string, changes: { displayName: string; description?: string | null }, actor: Actor, correlationId?: string): Promise<Group> {
    return this.deps.db.transaction(async (trx) => {
      const before = await this.require(id, trx);
      await this.deps.groups.update(before.id, changes, trx);
      await this.deps.audit.record(
        { category: 'GroupManagement', activity: 'Update group', result: 'success', actor, target: { type: 'Group', id: before.id }, details: { oldDisplayName: before.displayName, displayName: changes.displayName }, correlationId },
        trx,
      );
      return before;
    });
  }

  /** Deletes the group with its memberships, ownerships and app assignments. */
  async delete(id: string, actor: Actor, correlationId?: string): Promise<{ group: Group; appAssignmentsRemoved: number }> {
    return this.deps.db.transaction(async (trx) => {
      const group = await this.require(id, trx);
      const appAssignmentsRemoved = await this.deps.assignments.removeForPrincipal('Group', group.id, trx);
      await this.deps.groups.delete(group.id, trx);
      await this.deps.audit.record(
        { category: 'GroupManagement', activity: 'Delete group', result: 'success', actor, target: { type: 'Group', id: group.id }, details: { displayName: group.displayName, appAssignmentsRemoved }, correlationId },
        trx,
      );
      return { group, appAssignmentsRemoved };
    });
  }

  /**
   * Adds the user with this email as member or owner; 404 for an unknown address, 400 when they
   * already are one. `mayFind` narrows the directory to what the caller may see: a user it hides
   * gets the very answer an unknown address gets. It is asked for an unknown address too (with
   * undefined), so it can do the same work either way and the time taken tells nothing either.
   */
  async addByEmail(link: GroupLink, groupId: string, email: string, actor: Actor, correlationId?: string, asOwner = false, mayFind: (user: User | undefined) => Promise<boolean> = async () => true): Promise<{ group: Group; user: User }> {
    const found = await this.deps.users.findByEmail(email);
    const visible = await mayFind(found);
    const user = found && visible ? found : undefined;
    if (!user) throw new HttpError(404, 'userNotFound', `No user has the email address ${email}. Invite them first.`);
    return this.add(link, groupId, user.id, actor, correlationId, asOwner);
  }

  /** Adds a user (by id) as member or owner; 404 for an unknown group or user, 400 when they already are one. */
  async add(link: GroupLink, groupId: string, userId: string, actor: Actor, correlationId?: string, asOwner = false): Promise<{ group: Group; user: User }> {
    return this.deps.db.transaction(async (trx) => {
      const group = await this.require(groupId, trx);
      const user = await this.deps.users.findById(userId, trx);
      if (!user) throw new HttpError(404, 'Request_ResourceNotFound', `No user has the id ${userId}.`);
      if (!(await this.deps.groups.addLink(link, group.id, user.id, trx))) {
        throw new HttpError(400, link === 'members' ? 'alreadyMember' : 'alreadyOwner', `${user.mail} is already ${LINK_NAMES[link].one} of ${group.displayName}.`);
      }
      await this.deps.audit.record({ category: 'GroupManagement', activity: LINK_NAMES[link].added, result: 'success', actor, target: { type: 'Group', id: group.id }, details: { userId: user.id, asOwner }, correlationId }, trx);
      return { group, user };
    });
  }

  /** Removes a member or owner (by user id); 404 when they were not one. */
  async remove(link: GroupLink, groupId: string, userId: string, actor: Actor, correlationId?: string, asOwner = false): Promise<{ group: Group }> {
    return this.deps.db.transaction(async (trx) => {
      const group = await this.require(groupId, trx);
      if (!(await this.deps.groups.removeLink(link, group.id, userId, trx))) {
        throw new HttpError(404, 'Request_ResourceNotFound', `The user ${userId} is not ${LINK_NAMES[link].one} of ${group.displayName}.`);
      }
      await this.deps.audit.record({ category: 'GroupManagement', activity: LINK_NAMES[link].removed, result: 'success', actor, target: { type: 'Group', id: group.id }, details: { userId, asOwner }, correlationId }, trx);
      return { group };
    });
  }
}
