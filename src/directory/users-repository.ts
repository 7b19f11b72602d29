import { randomUUID } from 'node:crypto';
import type { Database } from '../db/connect.js';
import { nowIso, systemClock, type Clock } from '../lib/clock.js';
import { isUniqueViolation } from '../db/unique-violation.js';
import { UserCache } from './user-cache.js';
import { normalizeEmail, toUser, type User, type UserRole, type UserRow, type UserType } from './user-model.js';
import { userVersionsOf, writeLastSignIn, writeUsers } from './user-writes.js';

export class DuplicateEmailError extends Error {
  constructor(readonly mail: string) {
    super(`a user with email ${mail} already exists`);
  }
}

export interface NewUser {
  mail: string;
  displayName?: string;
  userType: UserType;
  passwordHash?: string;
  roles?: UserRole[];
  createdBy?: string;
  externalUserState?: User['externalUserState'];
  provisionedByPartner?: string;
}

/** Users table access. Every write that belongs with others takes the caller's transaction. */
export class UsersRepository {
  /** Lookups by id per HTTP request (keyed by its context object), for findByIdInRequest. */
  private readonly perRequest = new WeakMap<object, Map<string, Promise<User | undefined>>>();
  /** The same lookups once they have answered, for readers that cannot wait (settledInRequest). */
  private readonly settled = new WeakMap<object, Map<string, User | undefined>>();
  private readonly cache: UserCache;

  /** `clock`: the shared clock, which decides when an access end has passed (accountUsable). */
  constructor(
    private readonly db: Database,
    readonly clock: Clock = systemClock,
  ) {
    this.cache = new UserCache(() => userVersionsOf(db));
  }

  async create(input: NewUser, trx: Database = this.db): Promise<User> {
    const now = nowIso();
    const row: UserRow = {
      id: randomUUID(),
      user_type: input.userType,
      mail: input.mail.trim(),
      mail_normalized: normalizeEmail(input.mail),
      display_name: input.displayName?.trim() || input.mail.trim().split('@')[0]!,
      account_enabled: true,
      external_user_state: input.externalUserState ?? null,
      external_user_state_changed_at: input.externalUserState ? now : null,
      password_hash: input.passwordHash ?? null,
      roles: JSON.stringify(input.roles ?? []),
      created_by: input.createdBy ?? null,
      provisioned_by_partner: input.provisionedByPartner ?? null,
      created_at: now,
      updated_at: now,
      last_sign_in_at: null,
    };
    const existing = await trx('users').where({ mail_normalized: row.mail_normalized }).first('id');
    if (existing) throw new DuplicateEmailError(row.mail);
    try {
      await writeUsers(trx, row.id, (users) => users.insert(row));
    } catch (err) {
      if (isUniqueViolation(err)) throw new DuplicateEmailError(row.mail);
      throw err;
    }
    return toUser(row);
  }

  // Reads take the caller's transaction too: SQLite has one connection, so a read outside an open
  // transaction would wait for it forever.
  async findById(id: string, trx: Database = this.db): Promise<User | undefined> {
    const row = await trx<UserRow>('users').where({ id }).first();
    return row ? toUser(row) : undefined;
  }

  /**
   * The user by id, read once per HTTP request however many steps of it ask (oidc-provider's
   * account lookup and conditional access both need the signing-in user). `request` is the
   * request's context; the entry goes with it. Served from the node's copy of the user while the
   * user's version says it is current (user-cache.ts): every refresh-token grant asks.
   */
  findByIdInRequest(request: object, id: string): Promise<User | undefined> {
    let lookups = this.perRequest.get(request);
    if (!lookups) this.perRequest.set(request, (lookups = new Map()));
    let user = lookups.get(id);
    if (!user) {
      lookups.set(id, (user = this.cache.get(id, (userId) => this.findById(userId))));
      user.then(
        (found) => {
          let answered = this.settled.get(request);
          if (!answered) this.settled.set(request, (answered = new Map()));
          answered.set(id, found);
        },
        () => undefined, // the caller of findByIdInRequest sees the failure
      );
    }
    return user;
  }

  /**
   * The user a findByIdInRequest of this request has already read, without waiting: `null` when
   * no lookup of this user in this request has answered yet. For oidc-provider's token lifetimes,
   * which are synchronous and always follow the account lookup of the same request.
   */
  settledInRequest(request: object, id: string): User | undefined | null {
    const answered = this.settled.get(request);
    return answered && answered.has(id) ? answered.get(id) : null;
  }

  async findByEmail(mail: string, trx: Database = this.db): Promise<User | undefined> {
    const row = await trx<UserRow>('users').where({ mail_normalized: normalizeEmail(mail) }).first();
    return row ? toUser(row) : undefined;
  }

  /** The stored password hash, kept out of `User` so it never reaches an API response by accident. */
  async passwordHashFor(id: string): Promise<string | null> {
    const row = await this.db<UserRow>('users').where({ id }).first('password_hash');
    return row?.password_hash ?? null;
  }

  async setPasswordHash(id: string, passwordHash: string): Promise<void> {
    await writeUsers(this.db, id, (users) => users.where({ id }).update({ password_hash: passwordHash, updated_at: nowIso() }));
  }

  /**
   * The user's last sign-in time, with the last use of the identity it came through when given
   * (one statement on PostgreSQL). The row the write answers becomes the node's copy of the user, so
   * the sign-in's next request (`/auth/:uid`: the account lookup, conditional access) reads no row.
   */
  async recordSignIn(id: string, opts: { identityId?: string; at?: string } = {}): Promise<void> {
    const at = opts.at ?? nowIso();
    await this.cache.renew(id, async () => {
      const row = await writeLastSignIn(this.db, id, at, opts.identityId);
      return row ? toUser(row) : undefined;
    });
  }

  /**
   * Records a language the person chose (an invitation's messageLanguage at redemption, the
   * language of the pages they signed in through) as their preferredLanguage, only while they have
   * none: one an admin set, or an earlier choice, is never overwritten. True when it was written.
   */
  async adoptPreferredLanguage(id: string, tag: string, trx: Database = this.db): Promise<boolean> {
    return (await writeUsers(trx, id, (users) => users.where({ id }).whereNull('preferred_language').update({ preferred_language: tag }))) === 1;
  }

  /** Replaces the user's directory roles (src/roles/ decides who may). */
  async setRoles(id: string, roles: UserRole[], trx: Database = this.db): Promise<void> {
    await writeUsers(trx, id, (users) => users.where({ id }).update({ roles: JSON.stringify(roles), updated_at: nowIso() }));
  }

  /** Holders of one directory role, oldest first. Roles are a JSON list: the LIKE only narrows, the parsed list decides. */
  async withRole(role: UserRole, trx: Database = this.db): Promise<User[]> {
    const rows = await trx<UserRow>('users').where('roles', 'like', `%"${role}"%`).orderBy('created_at', 'asc');
    return rows.map(toUser).filter((u) => u.roles.includes(role));
  }

  /** Display names by id, in one statement (a page of invitations names its guests). */
  async displayNames(ids: string[], trx: Database = this.db): Promise<Map<string, string>> {
    if (!ids.length) return new Map();
    const rows = await trx<UserRow>('users').whereIn('id', ids).select('id', 'display_name');
    return new Map(rows.map((r) => [r.id, r.display_name]));
  }

  async list(): Promise<User[]> {
    const rows = await this.db<UserRow>('users').orderBy('created_at', 'asc');
    return rows.map(toUser);
  }
}
