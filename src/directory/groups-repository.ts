import { randomUUID } from 'node:crypto';
import type { Database } from '../db/connect.js';
import { isUniqueViolation } from '../db/unique-violation.js';
import { nowIso } from '../lib/clock.js';
import { toUser, type User, type UserRow } from './user-model.js';

/** A security group as Graph names it. Groups live in the database (admins and owners change them). */
export interface Group {
  id: string;
  displayName: string;
  description: string | null;
  createdDateTime: string;
}

interface GroupRow {
  id: string;
  display_name: string;
  description: string | null;
  created_at: string;
}

const toGroup = (r: GroupRow): Group => ({ id: r.id, displayName: r.display_name, description: r.description, createdDateTime: r.created_at });

/** Which link table: members belong to a group, owners manage it. */
export type GroupLink = 'members' | 'owners';
const TABLE: Record<GroupLink, string> = { members: 'group_members', owners: 'group_owners' };

/** Groups, their members and their owners. Every method takes the caller's transaction. */
export class GroupsRepository {
  constructor(private readonly db: Database) {}

  async create(input: { displayName: string; description?: string | null }, trx: Database = this.db): Promise<Group> {
    const row: GroupRow = { id: randomUUID(), display_name: input.displayName.trim(), description: input.description ?? null, created_at: nowIso() };
    await trx('groups').insert(row);
    return toGroup(row);
  }

  async findById(id: string, trx: Database = this.db): Promise<Group | undefined> {
    const row = await trx<GroupRow>('groups').where({ id }).first();
    return row ? toGroup(row) : undefined;
  }

  /** Groups whose display name is exactly this (names are not unique, as in Entra). */
  async findByDisplayName(displayName: string, trx: Database = this.db): Promise<Group[]> {
    const rows = await trx<GroupRow>('groups').where({ display_name: displayName }).orderBy('created_at');
    return rows.map(toGroup);
  }

  /** By name; `search` keeps the groups whose name contains it (case-insensitive, wildcards literal). */
  async list(page: { top: number; skip: number; search?: string }, trx: Database = this.db): Promise<Group[]> {
    const q = trx<GroupRow>('groups').orderBy([{ column: 'display_name' }, { column: 'id' }]);
    if (page.search) {
      const pattern = `%${page.search.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      q.whereRaw("LOWER(display_name) LIKE ? ESCAPE '\\'", [pattern]);
    }
    const rows = await q.limit(page.top).offset(page.skip);
    return rows.map(toGroup);
  }

  /** Changes the name and description; false when there is no such group. */
  async update(id: string, changes: { displayName: string; description?: string | null }, trx: Database = this.db): Promise<boolean> {
    const patch: Partial<GroupRow> = { display_name: changes.displayName.trim(), ...(changes.description !== undefined ? { description: changes.description } : {}) };
    return (await trx('groups').where({ id }).update(patch)) === 1;
  }

  /** Deletes the group; memberships and ownerships go with it (foreign keys cascade). */
  async delete(id: string, trx: Database = this.db): Promise<boolean> {
    return (await trx('groups').where({ id }).delete()) === 1;
  }

  /** Adds a user as member or owner; false when they already were one. */
  async addLink(link: GroupLink, groupId: string, userId: string, trx: Database = this.db): Promise<boolean> {
    const exists = await trx(TABLE[link]).where({ group_id: groupId, user_id: userId }).first();
    if (exists) return false;
    try {
      await trx(TABLE[link]).insert({ group_id: groupId, user_id: userId, created_at: nowIso() });
    } catch (err) {
      if (isUniqueViolation(err)) return false;
      throw err;
    }
    return true;
  }

  /** Removes a member or owner; false when they were not one. */
  async removeLink(link: GroupLink, groupId: string, userId: string, trx: Database = this.db): Promise<boolean> {
    return (await trx(TABLE[link]).where({ group_id: groupId, user_id: userId }).delete()) === 1;
  }

  async hasLink(link: GroupLink, groupId: string, userId: string, trx: Database = this.db): Promise<boolean> {
    return Boolean(await trx(TABLE[link]).where({ group_id: groupId, user_id: userId }).first());
  }

  /** Whether the user is linked to any of these groups: one query however many groups there are. */
  async hasLinkToAny(link: GroupLink, groupIds: readonly string[], userId: string, trx: Database = this.db): Promise<boolean> {
    if (groupIds.length === 0) return false;
    return Boolean(await trx(TABLE[link]).whereIn('group_id', groupIds).andWhere({ user_id: userId }).first());
  }

  /** The members or owners of a group, as users, in the order they were added. */
  async listLinked(link: GroupLink, groupId: string, page: { top: number; skip: number } = { top: 1000, skip: 0 }, trx: Database = this.db): Promise<User[]> {
    const rows = await trx<UserRow>('users')
      .join(`${TABLE[link]} as l`, 'l.user_id', 'users.id')
      .where('l.group_id', groupId)
      .orderBy([{ column: 'l.created_at' }, { column: 'users.id' }])
      .limit(page.top)
      .offset(page.skip)
      .select('users.*');
    return rows.map(toUser);
  }

  /** The groups a user is a member (or owner) of. */
  async groupsOf(link: GroupLink, userId: string, trx: Database = this.db): Promise<Group[]> {
    const rows = await trx<GroupRow>('groups')
      .join(`${TABLE[link]} as l`, 'l.group_id', 'groups.id')
      .where('l.user_id', userId)
      .orderBy([{ column: 'groups.display_name' }, { column: 'groups.id' }])
      .select('groups.*');
    return rows.map(toGroup);
  }
}
