/**
 * A node's copies of users (src/directory/user-cache.ts): the account read on every refresh-token
 * grant is served from a copy only while no write of that user, from this process, another node or
 * the CLI, has happened since it was read. What an attacker would try: keep using a refresh token
 * after their account was disabled, on a node that had their user cached, or in the moment the
 * disable commits.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase, type Database } from '../../src/db/connect.js';
import { migrateLatest } from '../../src/db/migrate.js';
import { DirectoryUsers } from '../../src/directory/directory-users.js';
import { USER_COPY_MAX_AGE_MS, UserCache } from '../../src/directory/user-cache.js';
import { toUser, type User } from '../../src/directory/user-model.js';
import { createUserVersions } from '../../src/directory/user-versions.js';
import { attachUserVersions, userVersionsOf, writeLastSignIn } from '../../src/directory/user-writes.js';
import { UsersRepository } from '../../src/directory/users-repository.js';
import { ensureBuilt, runCli, tempConfig, type TempConfig } from '../cli/cli-harness.js';
import { describeWithPostgres, describeWithRedis, freshPostgresSchema, freshRedisNamespace } from '../support/real-servers.js';

/** SELECTs of the users table this database ran while `fn` ran. */
async function userReads(db: Database, fn: () => Promise<unknown>): Promise<number> {
  let n = 0;
  const count = (q: { sql: string; method?: string }) => {
    if (/from "users"|from `users`/i.test(q.sql) && /^select/i.test(q.sql)) n++;
  };
  db.on('query', count);
  try {
    await fn();
  } finally {
    db.removeListener('query', count);
  }
  return n;
}

const lookup = (users: UsersRepository, id: string) => users.findByIdInRequest({}, id);

/** The checks every storage that keeps copies must pass; `writer` is another node, or this one. */
function copiesStayTrue(ctx: () => { reader: Database; writer: Database; users: UsersRepository; directory: DirectoryUsers; id: () => Promise<string> }) {
  it('a second lookup in another request is served from the copy (no read of users)', async () => {
    const { reader, users, id } = ctx();
    const userId = await id();
    expect((await lookup(users, userId))?.accountEnabled).toBe(true);
    expect(await userReads(reader, () => lookup(users, userId))).toBe(0);
  });

  it('a disable written elsewhere is seen by the very next lookup, and the copy is read again', async () => {
    const { reader, users, directory, id } = ctx();
    const userId = await id();
    await lookup(users, userId);
    await directory.update(userId, { accountEnabled: false });
    let seen: User | undefined;
    expect(await userReads(reader, async () => (seen = await lookup(users, userId)))).toBe(1);
    expect(seen?.accountEnabled).toBe(false);
    // and the disabled copy is what is kept now
    expect((await lookup(users, userId))?.accountEnabled).toBe(false);
  });

  it('a rename written elsewhere reaches the next lookup (the ID token’s claims come from it)', async () => {
    const { users, directory, id } = ctx();
    const userId = await id();
    await lookup(users, userId);
    await directory.update(userId, { displayName: 'Renamed Elsewhere' });
    expect((await lookup(users, userId))?.displayName).toBe('Renamed Elsewhere');
  });

  it('a deleted user is gone at the next lookup', async () => {
    const { users, directory, id } = ctx();
    const userId = await id();
    await lookup(users, userId);
    await directory.delete(userId);
    expect(await lookup(users, userId)).toBeUndefined();
  });

  it('a sign-in\'s last-sign-in write keeps the row it wrote as the copy: the sign-in\'s next lookup reads no row and sees the new time', async () => {
    const { reader, users, id } = ctx();
    const userId = await id();
    const at = new Date(Date.now() - 1000).toISOString();
    await users.recordSignIn(userId, { at });
    let seen: User | undefined;
    expect(await userReads(reader, async () => (seen = await lookup(users, userId)))).toBe(0);
    expect(seen?.lastSignInDateTime).toBe(at);
    expect(seen?.accountEnabled).toBe(true);
  });

  it('a disable written elsewhere after a sign-in\'s last-sign-in write is seen by the very next lookup', async () => {
    const { reader, users, directory, id } = ctx();
    const userId = await id();
    await users.recordSignIn(userId);
    await directory.update(userId, { accountEnabled: false });
    let seen: User | undefined;
    expect(await userReads(reader, async () => (seen = await lookup(users, userId)))).toBe(1);
    expect(seen?.accountEnabled).toBe(false);
  });

  it('race: a disable that commits right after the last-sign-in write (before its row is kept) leaves no stale copy behind', async () => {
    const { reader, users, directory, id } = ctx();
    const userId = await id();
    const cache = new UserCache(() => userVersionsOf(reader));
    const written = await cache.renew(userId, async () => {
      const row = await writeLastSignIn(reader, userId, new Date().toISOString());
      await directory.update(userId, { accountEnabled: false });
      return toUser(row!);
    });
    expect(written?.accountEnabled).toBe(true);
    expect((await cache.get(userId, (uid) => users.findById(uid)))?.accountEnabled).toBe(false);
  });

  it('race: a disable that commits between the version read and the last-sign-in write is in the row kept', async () => {
    const { reader, users, directory, id } = ctx();
    const userId = await id();
    const cache = new UserCache(() => userVersionsOf(reader));
    await cache.renew(userId, async () => {
      await directory.update(userId, { accountEnabled: false });
      return toUser((await writeLastSignIn(reader, userId, new Date().toISOString()))!);
    });
    expect((await cache.get(userId, (uid) => users.findById(uid)))?.accountEnabled).toBe(false);
  });

  it('race: a lookup that read the row just before a disable committed does not leave its stale copy behind', async () => {
    const { reader, users, directory, id } = ctx();
    const userId = await id();
    const cache = new UserCache(() => userVersionsOf(reader));
    // The racing lookup reads the enabled row, then the disable commits, then the lookup stores what it read.
    const racing = await cache.get(userId, async (uid) => {
      const before = await users.findById(uid);
      await directory.update(uid, { accountEnabled: false });
      return before;
    });
    expect(racing?.accountEnabled).toBe(true);
    const next = await cache.get(userId, (uid) => users.findById(uid));
    expect(next?.accountEnabled).toBe(false);
  });
}

describe('user copies on SQLite', () => {
  let cfg: TempConfig;
  let node: Database;
  let other: Database;
  let n = 0;
  beforeAll(async () => {
    cfg = tempConfig();
    node = connectDatabase(cfg.databaseUrl);
    await migrateLatest(node);
    // Another connection to the same file: its commits are another process's to the node (the CLI).
    other = connectDatabase(cfg.databaseUrl);
  });
  afterAll(async () => {
    await node?.destroy();
    await other?.destroy();
    cfg?.remove();
  });
  const newUser = async () => (await new UsersRepository(node).create({ mail: `sqlite${n++}@partner.example`, userType: 'Guest', externalUserState: 'Accepted' })).id;

  describe('written by this process', () => {
    const users = () => new UsersRepository(node);
    let repo: UsersRepository;
    beforeAll(() => {
      repo = users();
    });
    copiesStayTrue(() => ({ reader: node, writer: node, users: repo, directory: new DirectoryUsers(node), id: newUser }));
  });

  describe('written by another connection to the file (PRAGMA data_version)', () => {
    let repo: UsersRepository;
    beforeAll(() => {
      repo = new UsersRepository(node);
    });
    copiesStayTrue(() => ({ reader: node, writer: other, users: repo, directory: new DirectoryUsers(other), id: newUser }));
  });

  it('written by the CLI in its own process: `foyer users disable` is seen by the next lookup', { timeout: 180_000 }, async () => {
    await ensureBuilt();
    const repo = new UsersRepository(node);
    const id = (await repo.create({ mail: 'cli.target@partner.example', userType: 'Guest', externalUserState: 'Accepted' })).id;
    expect((await lookup(repo, id))?.accountEnabled).toBe(true);
    expect(await userReads(node, () => lookup(repo, id))).toBe(0);
    const result = await runCli(['users', 'disable', 'cli.target@partner.example'], { config: cfg.file });
    expect(result.code, result.stderr).toBe(0);
    expect((await lookup(repo, id))?.accountEnabled).toBe(false);
  });

  it('while a transaction is open on the node, another process\'s disable is not hidden by the snapshot: the lookup waits and reads the row', async () => {
    const repo = new UsersRepository(node);
    const id = await newUser();
    expect((await lookup(repo, id))?.accountEnabled).toBe(true);
    let during: Promise<User | undefined> | undefined;
    await node.transaction(async (trx) => {
      await trx('users').where({ id }).first(); // the transaction now reads from a snapshot
      await new DirectoryUsers(other).update(id, { accountEnabled: false });
      // Not awaited in here: the row read needs the node's one connection, which the transaction holds.
      during = lookup(repo, id);
    });
    expect((await during)?.accountEnabled).toBe(false);
  });
});

describe('a copy\'s age', () => {
  it('a copy is read again once it is older than the cap, even when its version still matches', async () => {
    let clock = 0;
    const versions = { caching: true, current: async () => 'v1', begin: async () => undefined, end: () => undefined };
    const cache = new UserCache(() => versions, () => clock);
    let reads = 0;
    const read = async (id: string) => ({ id, reads: ++reads }) as unknown as User;
    await cache.get('u1', read);
    clock = USER_COPY_MAX_AGE_MS - 1;
    await cache.get('u1', read);
    expect(reads).toBe(1);
    clock = USER_COPY_MAX_AGE_MS + 1;
    await cache.get('u1', read);
    expect(reads).toBe(2);
  });
});

describeWithPostgres('user copies on PostgreSQL', () => {
  const pg = freshPostgresSchema();
  let n = 0;
  beforeAll(() => migrateLatest(pg.db));
  const newUser = (db: Database) => async () => (await new UsersRepository(db).create({ mail: `pg${n++}@partner.example`, userType: 'Guest', externalUserState: 'Accepted' })).id;

  it('without Redis no copy is kept: every lookup reads the row (nodes have no channel)', async () => {
    const repo = new UsersRepository(pg.db);
    const id = await newUser(pg.db)();
    await lookup(repo, id);
    expect(await userReads(pg.db, () => lookup(repo, id))).toBe(1);
  });

  describeWithRedis('with Redis, two nodes', () => {
    const ns = freshRedisNamespace();
    let nodeA: Database;
    let nodeB: Database;
    let repoB: UsersRepository;
    beforeAll(async () => {
      nodeA = connectDatabase(pg.url);
      nodeB = connectDatabase(pg.url);
      for (const db of [nodeA, nodeB]) attachUserVersions(db, createUserVersions({ db, redis: ns.redis, prefix: `${ns.prefix}user-version:` }));
      repoB = new UsersRepository(nodeB);
    });
    afterAll(async () => {
      await nodeA?.destroy();
      await nodeB?.destroy();
    });

    copiesStayTrue(() => ({ reader: nodeB, writer: nodeA, users: repoB, directory: new DirectoryUsers(nodeA), id: newUser(nodeA) }));

    it('while a disable on A is not yet committed, B keeps no copy: it reads the committed row, and the disabled one right after the commit', async () => {
      const id = await newUser(nodeA)();
      await lookup(repoB, id);
      await nodeA.transaction(async (trx) => {
        await new DirectoryUsers(nodeA).update(id, { accountEnabled: false }, trx);
        let during: User | undefined;
        expect(await userReads(nodeB, async () => (during = await lookup(repoB, id)))).toBe(1);
        expect(during?.accountEnabled).toBe(true);
      });
      expect((await lookup(repoB, id))?.accountEnabled).toBe(false);
    });

    it('a write whose transaction rolls back settles its version: B keeps copies of that user again', async () => {
      const id = await newUser(nodeA)();
      await nodeA
        .transaction(async (trx) => {
          await new DirectoryUsers(nodeA).update(id, { displayName: 'Never Committed' }, trx);
          throw new Error('rolled back');
        })
        .catch(() => undefined);
      // the "finished" count reaches Redis after the rollback, without being awaited by anyone
      await new Promise((resolve) => setImmediate(resolve));
      await ns.redis.ping();
      expect((await lookup(repoB, id))?.displayName).not.toBe('Never Committed');
      expect(await userReads(nodeB, () => lookup(repoB, id))).toBe(0);
    });

    const versionKeys = (id: string) => [`${ns.prefix}user-version:${id}:s`, `${ns.prefix}user-version:${id}:f`];

    it('Redis losing its data (a flush) cannot bring back a version an old copy was read under', async () => {
      const id = await newUser(nodeA)();
      // As for a user last written before versions existed: no counters, so the copy is kept at 0.
      await ns.redis.del(...versionKeys(id));
      expect((await lookup(repoB, id))?.accountEnabled).toBe(true);
      expect(await userReads(nodeB, () => lookup(repoB, id))).toBe(0);
      await new DirectoryUsers(nodeA).update(id, { accountEnabled: false });
      await ns.redis.ping();
      // The flush: the counters are back at 0, and the epoch is gone with them.
      await ns.redis.del(...versionKeys(id), `${ns.prefix}user-version:epoch`);
      expect((await lookup(repoB, id))?.accountEnabled).toBe(false);
    });

    it('a failover to a replica that missed the last writes (counters put back, a reconnect) cannot either', async () => {
      const id = await newUser(nodeA)();
      const [started, finished] = await ns.redis.mget(...versionKeys(id));
      await lookup(repoB, id);
      await lookup(repoB, id);
      expect(await userReads(nodeB, () => lookup(repoB, id))).toBe(0);
      await new DirectoryUsers(nodeA).update(id, { accountEnabled: false });
      await ns.redis.ping();
      // The replica has the counters as they were when B kept its copy; B's connection is new.
      await ns.redis.mset(versionKeys(id)[0]!, started!, versionKeys(id)[1]!, finished!);
      const ready = new Promise((resolve) => ns.redis.once('ready', resolve));
      ns.redis.disconnect(true);
      await ready;
      expect((await lookup(repoB, id))?.accountEnabled).toBe(false);
    });
  });
});
