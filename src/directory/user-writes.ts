import type { Knex } from 'knex';
import type { Database } from '../db/connect.js';
import type { UserRow } from './user-model.js';
import { createUserVersions, type UserVersions } from './user-versions.js';

/** The one kind of write writeUsers does not announce (module-private, so no other caller can ask for it): writeLastSignIn. */
const LAST_SIGN_IN_ONLY: unique symbol = Symbol('last sign-in time only');

/**
 * The one way to write the `users` table in src/ (test/directory/user-write-path.test.ts fails on a
 * write anywhere else): every insert, update and delete of a user row announces itself to the
 * user versions first and settles them once its transaction ended, so no node keeps using a copy
 * of a user that changed (user-versions.ts). Reads of `users` need nothing.
 */
export async function writeUsers<T>(trx: Database, userIds: string | readonly string[], write: (users: Knex.QueryBuilder) => PromiseLike<T>, unannounced?: typeof LAST_SIGN_IN_ONLY): Promise<T> {
  // Only writeLastSignIn below passes this (the token is not exported): see why there.
  if (unannounced === LAST_SIGN_IN_ONLY) return write(trx('users'));
  const ids = typeof userIds === 'string' ? [userIds] : userIds;
  const versions = userVersionsOf(trx);
  await versions.begin(ids);
  try {
    return await write(trx('users'));
  } finally {
    const outer = outermostTransaction(trx);
    if (outer) {
      // Only the outermost commit makes the write visible to other connections: settle after it.
      outer.executionPromise.then(
        () => versions.end(ids),
        () => versions.end(ids),
      );
    } else {
      versions.end(ids);
    }
  }
}

interface Transactor {
  isTransaction?: boolean;
  executionPromise?: Promise<unknown>;
  parentTransaction?: Transactor;
}

/** knex's outermost transaction around `trx` (savepoints are nested in it), or undefined outside one. */
function outermostTransaction(trx: Database): (Transactor & { executionPromise: Promise<unknown> }) | undefined {
  let t = trx as unknown as Transactor;
  if (!t.isTransaction) return undefined;
  while (t.parentTransaction) t = t.parentTransaction;
  if (!t.executionPromise) throw new Error('writeUsers: a knex transaction without its execution promise (knex upgrade?)');
  return t as Transactor & { executionPromise: Promise<unknown> };
}

/** Per knex instance (its config object, which its transactions share). */
const attached = new WeakMap<object, UserVersions>();

/**
 * Gives a database the versions its users are written under: a node or the CLI attaches the ones
 * with the deployment's Redis (node-services.ts, cli-context.ts). A database nobody attached to
 * gets this process's own and, for SQLite, the file's data_version.
 */
export function attachUserVersions(db: Database, versions: UserVersions): void {
  attached.set(db.client.config as object, versions);
}

export function userVersionsOf(db: Database): UserVersions {
  const keyObj = db.client.config as object;
  let versions = attached.get(keyObj);
  if (!versions) attached.set(keyObj, (versions = createUserVersions({ db })));
  return versions;
}

/**
 * Writes the user's last sign-in time (and, on PostgreSQL in the same statement, the last use of the
 * identity it came through) and answers the user row as the write left it. The one write of `users`
 * that moves no version (user-versions.ts), because no reader of a kept copy uses this column (the
 * token path's account lookup, conditional access, the partner gate read who the user is, their
 * state and their access, never when they last signed in), and a copy is never older than
 * USER_COPY_MAX_AGE_MS (30 s), within the minute this time is kept to (LAST_USED_RESOLUTION_MS).
 * Announcing it made the very next request of the sign-in (`/auth/:uid`) read the user again
 * (issue 20); instead the caller keeps the answered row as the node's copy (UserCache.renew).
 */
export async function writeLastSignIn(db: Database, userId: string, at: string, identityId?: string): Promise<UserRow | undefined> {
  if (db.client.config.client === 'pg') {
    // One statement for both (one round trip): a data-modifying CTE runs even when nothing reads it.
    const touch = identityId ? 'WITH touched AS (UPDATE identities SET last_used_at = ? WHERE id = ?) ' : '';
    const bindings = identityId ? [at, identityId, at, userId] : [at, userId];
    const result = await writeUsers(db, userId, () => db.raw<{ rows: UserRow[] }>(`${touch}UPDATE users SET last_sign_in_at = ? WHERE id = ? RETURNING *`, bindings), LAST_SIGN_IN_ONLY);
    return result.rows[0];
  }
  // SQLite runs in this process: two statements cost no round trip, and a data-modifying CTE does not exist there.
  if (identityId) await db('identities').where({ id: identityId }).update({ last_used_at: at });
  const rows = (await writeUsers(db, userId, (users) => users.where({ id: userId }).update({ last_sign_in_at: at }).returning('*'), LAST_SIGN_IN_ONLY)) as UserRow[];
  return rows[0];
}
