import type { Knex } from 'knex';
import type { Database } from '../db/connect.js';
import { createUserVersions, type UserVersions } from './user-versions.js';

/**
 * The one way to write the `users` table in src/ (test/directory/user-write-path.test.ts fails on a
 * write anywhere else): every insert, update and delete of a user row announces itself to the
 * user versions first and settles them once its transaction ended, so no node keeps using a copy
 * of a user that changed (user-versions.ts). Reads of `users` need nothing.
 */
export async function writeUsers<T>(trx: Database, userIds: string | readonly string[], write: (users: Knex.QueryBuilder) => PromiseLike<T>): Promise<T> {
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
