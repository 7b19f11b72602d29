import type { Database } from '../db/connect.js';
import { nowIso } from '../lib/clock.js';
import { normalizeEmail, toUser, type ExternalUserState, type User, type UserRow, type UserType } from './user-model.js';
import { writeUsers } from './user-writes.js';

/** What a user list can be narrowed by: Graph's `$filter` fields plus the admin page's search. */
export interface UserFilter {
  userType?: UserType;
  mail?: string;
  externalUserState?: ExternalUserState;
  accountEnabled?: boolean;
  /** A case-insensitive substring of the email or the display name. */
  search?: string;
}

export interface UserChanges {
  displayName?: string;
  accountEnabled?: boolean;
  /** A canonical BCP 47 tag (src/i18n/language-tag.ts), or null to clear it. */
  preferredLanguage?: string | null;
}

/**
 * The directory's administrative queries on users (listing with filters, updates, deletion),
 * kept apart from UsersRepository, which serves sign-in.
 */
export class DirectoryUsers {
  constructor(private readonly db: Database) {}

  /**
   * Oldest first, keyset-paged: the rows after `page.after` (created_at, id). Each filter has an
   * index ending in (created_at, id) (migration 20261207_20_directory_indexes), so a page is one
   * index range read at any depth.
   */
  async list(filter: UserFilter, page: { top: number; after?: { value: string; id: string } }, trx: Database = this.db): Promise<User[]> {
    const q = trx<UserRow>('users').orderBy([{ column: 'created_at' }, { column: 'id' }]);
    if (page.after) q.whereRaw('(created_at, id) > (?, ?)', [page.after.value, page.after.id]);
    if (filter.userType) q.where({ user_type: filter.userType });
    if (filter.mail !== undefined) q.where({ mail_normalized: normalizeEmail(filter.mail) });
    if (filter.externalUserState) q.where({ external_user_state: filter.externalUserState });
    if (filter.accountEnabled !== undefined) q.where({ account_enabled: filter.accountEnabled });
    if (filter.search) {
      // LIKE wildcards in the search text are matched literally.
      const pattern = `%${filter.search.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      q.where((w) => w.whereRaw("mail_normalized LIKE ? ESCAPE '\\'", [pattern]).orWhereRaw("LOWER(display_name) LIKE ? ESCAPE '\\'", [pattern]));
    }
    const rows = await q.limit(page.top);
    return rows.map(toUser);
  }

  /**
   * Applies the changes and returns the user as it is now, or undefined when there is no such user
   * (or, with `expect`, when the user is not in that state: a conditional UPDATE, so of two racing
   * callers only one changes the row).
   */
  async update(id: string, changes: UserChanges, trx: Database = this.db, expect?: { accountEnabled: boolean }): Promise<User | undefined> {
    const patch: Partial<UserRow> = { updated_at: nowIso() };
    if (changes.displayName !== undefined) patch.display_name = changes.displayName.trim();
    if (changes.accountEnabled !== undefined) patch.account_enabled = changes.accountEnabled;
    if (changes.preferredLanguage !== undefined) patch.preferred_language = changes.preferredLanguage;
    const changed = await writeUsers(trx, id, (users) => users.where({ id, ...(expect ? { account_enabled: expect.accountEnabled } : {}) }).update(patch));
    if (!changed) return undefined;
    const row = await trx<UserRow>('users').where({ id }).first();
    return row ? toUser(row) : undefined;
  }

  /**
   * Deletes the user. Identities, group memberships and ownerships, and invitations go with the
   * row (foreign keys cascade); app assignments have no foreign key and are removed here.
   */
  async delete(id: string, trx: Database = this.db): Promise<boolean> {
    await trx('app_assignments').where({ principal_type: 'User', principal_id: id }).delete();
    return (await writeUsers(trx, id, (users) => users.where({ id }).delete())) === 1;
  }
}
