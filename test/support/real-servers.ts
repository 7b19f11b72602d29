/**
 * Real PostgreSQL and Redis for tests (DESIGN.md, "Testing with real parts"). Suites that need them
 * are skipped, with the reason in their name, when TEST_DATABASE_URL / TEST_REDIS_URL are unset.
 * Every test file gets its own PostgreSQL schema and Redis key prefix, so files run in parallel.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe } from 'vitest';
import { connectDatabase, type Database } from '../../src/db/connect.js';
import { connectRedis, type Redis } from '../../src/db/redis.js';

export function postgresUrl(): string | undefined {
  return process.env.TEST_DATABASE_URL || undefined;
}

export function redisUrl(): string | undefined {
  return process.env.TEST_REDIS_URL || undefined;
}

/**
 * TEST_REDIS_URL with a database number of its own, for a suite that flushes its database or counts
 * commands on it. Each such suite owns one number (grep `REDIS_DB`): two files run in parallel, and
 * a flush of a shared number deletes the other's sessions.
 */
export function redisDatabaseUrl(base: string, database: number): string {
  const url = new URL(base);
  url.pathname = `/${database}`;
  return url.toString();
}

export function describeWithPostgres(name: string, fn: () => void): void {
  const skip = !postgresUrl();
  describe.skipIf(skip)(skip ? `(skipped: TEST_DATABASE_URL not set) ${name}` : name, fn);
}

export function describeWithRedis(name: string, fn: () => void): void {
  const skip = !redisUrl();
  describe.skipIf(skip)(skip ? `(skipped: TEST_REDIS_URL not set) ${name}` : name, fn);
}

function randomName(prefix: string): string {
  return `${prefix}${randomBytes(6).toString('hex')}`;
}

/** Set in beforeAll; reading it earlier is a test bug, so it throws rather than returning undefined. */
function lazy<T>(what: string): { get(): T; set(value: T): void } {
  let value: T | undefined;
  return {
    get() {
      if (value === undefined) throw new Error(`${what} is only available inside tests (after beforeAll)`);
      return value;
    },
    set(v) {
      value = v;
    },
  };
}

export interface PostgresSchema {
  readonly schema: string;
  /** TEST_DATABASE_URL with `options=-c search_path=<schema>`, usable with connectDatabase(). */
  readonly url: string;
  /** A knex instance on that URL, destroyed in afterAll. */
  readonly db: Database;
}

/**
 * Registers beforeAll/afterAll that create an empty schema with a random name and drop it (with
 * everything in it) afterwards. Call it inside a describeWithPostgres body.
 */
export function freshPostgresSchema(): PostgresSchema {
  const schema = randomName('foyer_test_');
  const url = lazy<string>('freshPostgresSchema().url');
  const db = lazy<Database>('freshPostgresSchema().db');

  beforeAll(async () => {
    const admin = connectDatabase(postgresUrl()!);
    try {
      await admin.raw('create schema ??', [schema]);
    } finally {
      await admin.destroy();
    }
    const scoped = new URL(postgresUrl()!);
    // The search_path travels in the startup packet, so every pooled connection gets it, and the
    // code under test keeps using plain connectDatabase(url).
    scoped.searchParams.set('options', `-c search_path=${schema}`);
    url.set(scoped.toString());
    db.set(connectDatabase(scoped.toString()));
  });

  afterAll(async () => {
    await db.get().destroy().catch(() => {});
    const admin = connectDatabase(postgresUrl()!);
    try {
      await admin.raw('drop schema if exists ?? cascade', [schema]);
    } finally {
      await admin.destroy();
    }
  });

  return {
    schema,
    get url() {
      return url.get();
    },
    get db() {
      return db.get();
    },
  };
}

export interface RedisNamespace {
  /** A random key prefix ending in ':'; every key the test writes must start with it. */
  readonly prefix: string;
  /** A client from connectRedis(TEST_REDIS_URL), closed in afterAll. */
  readonly redis: Redis;
}

/** Registers beforeAll/afterAll that connect and, at the end, delete every key under a random prefix. */
export function freshRedisNamespace(): RedisNamespace {
  const prefix = `${randomName('foyer-test:')}:`;
  const client = lazy<Redis>('freshRedisNamespace().redis');

  beforeAll(async () => {
    client.set(await connectRedis(redisUrl()!));
  });

  afterAll(async () => {
    const redis = client.get();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    await redis.quit();
  });

  return {
    prefix,
    get redis() {
      return client.get();
    },
  };
}
