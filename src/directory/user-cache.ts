import type { User } from './user-model.js';
import type { UserVersions } from './user-versions.js';

/** Users kept per node; beyond this the oldest copy goes (a few MB at most). */
const LIMIT = 5_000;
/**
 * A copy is read again after this long even when its version still matches: a backstop for what
 * versions cannot see (a write made outside writeUsers, or by a process without the deployment's
 * Redis), so such a write reaches the token path within this time instead of never.
 */
export const USER_COPY_MAX_AGE_MS = 30_000;

/**
 * This node's copies of users, each kept under the user's version when it was read
 * (user-versions.ts) and used only while that version is still the current one. The version is
 * read before the row: a read that raced a write keeps its copy under the version the write
 * already moved past, so it is never used (test/directory/user-cache.test.ts).
 */
export class UserCache {
  private readonly copies = new Map<string, { version: string; user: User; keptAt: number }>();

  /** `now`: a monotonic clock in milliseconds (tests move it). */
  constructor(
    private readonly versions: () => UserVersions,
    private readonly now: () => number = () => performance.now(),
  ) {}

  async get(id: string, read: (id: string) => Promise<User | undefined>): Promise<User | undefined> {
    const versions = this.versions();
    if (!versions.caching) return read(id);
    const version = await versions.current(id);
    if (version === undefined) return read(id);
    const copy = this.copies.get(id);
    if (copy?.version === version && this.now() - copy.keptAt < USER_COPY_MAX_AGE_MS) return copy.user;
    const user = await read(id);
    // A deleted user is not kept: there is nothing to serve, and the next grant reads again.
    if (user) this.keep(id, version, user);
    else this.copies.delete(id);
    return user;
  }

  /**
   * Runs `write`, a statement that changes the user and answers the row it left (RETURNING), and
   * keeps that row as the copy under the version read before it, as get() keeps a read. Only for
   * a write that moves no version (writeLastSignIn): an announced one makes that version stale.
   */
  async renew(id: string, write: () => Promise<User | undefined>): Promise<User | undefined> {
    const versions = this.versions();
    const version = versions.caching ? await versions.current(id) : undefined;
    const user = await write();
    if (version !== undefined && user) this.keep(id, version, user);
    return user;
  }

  private keep(id: string, version: string, user: User): void {
    this.copies.delete(id);
    if (this.copies.size >= LIMIT) this.copies.delete(this.copies.keys().next().value!);
    // Callers share the copy: frozen, so one cannot change what the next is served.
    Object.freeze(user.roles);
    this.copies.set(id, { version, user: Object.freeze(user), keptAt: this.now() });
  }
}
