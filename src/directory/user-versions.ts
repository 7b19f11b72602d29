import { randomUUID } from 'node:crypto';
import type { Database } from '../db/connect.js';
import { sqliteDataVersion } from '../db/connect.js';
import type { Redis } from '../db/redis.js';

/**
 * Versions of user rows, so that a node may keep a copy of a user (the account read on every
 * refresh-token grant: docs/decisions.md "A cached user on the token path") and still see every
 * write at once, from any node or process.
 *
 * Every write to `users` goes through writeUsers() (src/directory/user-writes.ts), which marks the
 * user "being written" before its statement and "written" after its transaction ended (all but the
 * last sign-in time, which no reader of a copy uses: writeLastSignIn says why). A version is
 * readable only while no write of that user is in flight (started == finished); a copy is used only
 * if it was read under the version that is current now. The version is read before the row, so a
 * read that raced a write stores its copy under a version that is already stale. Three counters
 * make up the version, each for a kind of writer:
 * - this process's writes (always);
 * - every node's and the CLI's writes through Redis (`INCR` of `<id>:s` inside the write's
 *   transaction, before its statement, and of `<id>:f` once it ended), when Redis is configured
 *   for a directory in PostgreSQL; with Redis's epoch (a random value made anew when Redis lost
 *   its data) and the number of times this node reconnected to Redis (a failover), since either
 *   can put the counters back to values an old copy was read under;
 * - any other process's commit to a SQLite file (`PRAGMA data_version`), for SQLite.
 * PostgreSQL without Redis has no channel between nodes: no copy is kept there.
 */
export interface UserVersions {
  /** The version to keep a copy under, or undefined: do not use or keep a copy now. */
  current(userId: string): Promise<string | undefined>;
  /** Before a write's statement, inside its transaction: fails the write if it cannot be announced. */
  begin(userIds: readonly string[]): Promise<void>;
  /** After the write's transaction committed or rolled back. */
  end(userIds: readonly string[]): void;
  /** Whether copies can be kept on this storage at all. */
  readonly caching: boolean;
}

export const USER_VERSION_PREFIX = 'foyer:user-version:';
/** Local counters kept before they are folded into one floor (memory stays bounded). */
const LOCAL_LIMIT = 10_000;

/** This process's writes: per user, writes in flight and the sequence number of the last one ended. */
export class LocalUserVersions {
  private seq = 0;
  /** The version of every user without an entry: entries are dropped together, and this moves past them. */
  private floor = 0;
  private readonly entries = new Map<string, { inflight: number; seq: number }>();

  current(userId: string): string | undefined {
    const entry = this.entries.get(userId);
    if (!entry) return String(this.floor);
    return entry.inflight ? undefined : String(entry.seq);
  }

  begin(userIds: readonly string[]): void {
    for (const id of userIds) {
      const entry = this.entries.get(id);
      if (entry) entry.inflight++;
      else this.entries.set(id, { inflight: 1, seq: this.floor });
    }
  }

  end(userIds: readonly string[]): void {
    for (const id of userIds) {
      const entry = this.entries.get(id);
      if (!entry) continue;
      entry.inflight = Math.max(0, entry.inflight - 1);
      entry.seq = ++this.seq;
    }
    if (this.entries.size > LOCAL_LIMIT) this.fold();
  }

  /** Drops every settled entry; the floor moves past all of them, so no old version comes back. */
  private fold(): void {
    this.floor = this.seq;
    for (const [id, entry] of this.entries) if (!entry.inflight) this.entries.delete(id);
  }
}

export interface UserVersionsOptions {
  db: Database;
  /** The deployment's Redis, when configured (every node and the CLI then announce their writes there). */
  redis?: Redis | (() => Promise<Redis>);
  onError?: (err: unknown) => void;
  /** Key prefix in Redis (tests use a namespace of their own). */
  prefix?: string;
}

export function createUserVersions(opts: UserVersionsOptions): UserVersions {
  const local = new LocalUserVersions();
  const sqlite = !isPostgresDb(opts.db);
  const redisOf = typeof opts.redis === 'function' ? opts.redis : opts.redis ? async () => opts.redis as Redis : undefined;
  const prefix = opts.prefix ?? USER_VERSION_PREFIX;
  const key = (id: string, part: 's' | 'f') => `${prefix}${id}:${part}`;
  const epochKey = `${prefix}epoch`;
  // A failover to a replica that missed the last writes also puts counters back, without losing
  // the epoch; every node reconnects then, and a reconnect makes every version read before it stale.
  const reconnects = new WeakMap<Redis, number>();
  const newEpoch = async (redis: Redis): Promise<string> => {
    const mine = randomUUID();
    // SET … NX GET answers the value already there, or nil when this one was set.
    const earlier = (await redis.call('SET', epochKey, mine, 'NX', 'GET')) as string | null;
    return earlier ?? mine;
  };
  const watchReconnects = (redis: Redis): Redis => {
    if (!reconnects.has(redis)) {
      reconnects.set(redis, 0);
      redis.on('ready', () => reconnects.set(redis, (reconnects.get(redis) ?? 0) + 1));
    }
    return redis;
  };
  return {
    caching: sqlite || Boolean(redisOf),
    async current(userId) {
      const own = local.current(userId);
      if (own === undefined) return undefined;
      if (sqlite) {
        // Another process's commit (the CLI, a second node on the same file) moves data_version.
        const file = sqliteDataVersion(opts.db);
        return file === undefined ? undefined : `${own}|${file}`;
      }
      if (!redisOf) return undefined;
      try {
        const redis = watchReconnects(await redisOf());
        const [started, finished, kept] = await redis.mget(key(userId, 's'), key(userId, 'f'), epochKey);
        if ((started ?? '0') !== (finished ?? '0')) return undefined;
        // No epoch: Redis is new or lost its data (a flush, a restart without persistence), so
        // counters may have gone back to values a kept copy was read under. A new epoch makes every
        // old version stale; of two nodes making one at once, both use the one that was set first.
        const epoch = kept ?? (await newEpoch(redis));
        return `${reconnects.get(redis)}|${epoch}|${own}|${finished ?? '0'}`;
      } catch (err) {
        // No version, no copy: the row is read instead (and its own read fails if storage is down).
        opts.onError?.(err);
        return undefined;
      }
    },
    async begin(userIds) {
      local.begin(userIds);
      if (!redisOf || sqlite) return;
      try {
        const redis = await redisOf();
        await Promise.all(userIds.map((id) => redis.incr(key(id, 's'))));
      } catch (err) {
        local.end(userIds);
        throw err;
      }
    },
    end(userIds) {
      local.end(userIds);
      if (!redisOf || sqlite) return;
      // A lost "finished" leaves started > finished: that user is never cached again, which is safe.
      void redisOf()
        .then((redis) => Promise.all(userIds.map((id) => redis.incr(key(id, 'f')))))
        .catch((err: unknown) => opts.onError?.(err));
    },
  };
}

function isPostgresDb(db: Database): boolean {
  return db.client.config.client === 'pg';
}
