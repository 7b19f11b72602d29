import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import knex, { type Knex } from 'knex';
import type { Logger } from '../logging/logger.js';

export type Database = Knex;

/**
 * Options both databases share. knex would otherwise put bound values (token payloads, hashes)
 * into error messages and print pool errors with stacks straight to stdout.
 */
function common(logger?: Logger): Partial<Knex.Config> {
  const quiet = () => {};
  return {
    compileSqlOnError: false,
    log: {
      warn: (m: unknown) => (logger ? logger.warn({ knex: String(m) }, 'database warning') : quiet()),
      error: (m: unknown) => (logger ? logger.error({ knex: String(m) }, 'database error') : quiet()),
      deprecate: (m: unknown) => (logger ? logger.warn({ knex: String(m) }, 'database deprecation') : quiet()),
      debug: quiet,
    },
  };
}

/**
 * One knex instance for the process. SQLite is the embedded default (one file under data/);
 * `postgres://` switches to PostgreSQL with a pool, for production and several nodes.
 */
export function connectDatabase(url: string, logger?: Logger): Database {
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length).replace(/^\/\//, '');
    if (file !== ':memory:') mkdirSync(dirname(resolve(file)), { recursive: true });
    const watch: DataVersionWatch = { generation: 0 };
    const db = knex({
      ...common(logger),
      client: 'better-sqlite3',
      connection: { filename: file },
      useNullAsDefault: true,
      // With one connection, a query issued outside an open transaction (instead of on `trx`)
      // waits for that transaction forever: fail loudly instead of hanging.
      acquireConnectionTimeout: 10_000,
      pool: {
        // One connection: better-sqlite3 is synchronous, so more connections add no throughput, and
        // an in-memory database exists per connection.
        min: 1,
        max: 1,
        afterCreate(conn: { pragma(sql: string): unknown; prepare(sql: string): unknown }, done: (err: Error | null, conn: unknown) => void) {
          conn.pragma('journal_mode = WAL');
          conn.pragma('foreign_keys = ON');
          conn.pragma('busy_timeout = 5000');
          conn.pragma('synchronous = NORMAL');
          watchDataVersion(watch, conn);
          cachePreparedStatements(conn);
          done(null, conn);
        },
      },
    });
    dataVersionWatches.set(db.client.config as object, watch);
    return db;
  }
  return knex({
    ...common(logger),
    client: 'pg',
    connection: { connectionString: url, connectionTimeoutMillis: 5000, statement_timeout: 15000 },
    pool: { min: 0, max: 10, acquireTimeoutMillis: 5000 },
    acquireConnectionTimeout: 5000,
  });
}

interface PluckedStatement {
  get(): unknown;
}
interface DataVersionWatch {
  generation: number;
  statement?: PluckedStatement;
  /** The connection: inside an open transaction its data_version is the snapshot's, not the file's. */
  connection?: { inTransaction?: boolean };
}
/** Per SQLite knex instance (its config object, which its transactions share). */
const dataVersionWatches = new WeakMap<object, DataVersionWatch>();

/** Prepared on the pool's connection as it is made; a new connection is a new generation (its counter starts anew). */
function watchDataVersion(watch: DataVersionWatch, conn: { prepare(sql: string): unknown }): void {
  watch.generation++;
  watch.connection = conn as { inTransaction?: boolean };
  watch.statement = (conn.prepare('PRAGMA data_version') as { pluck(): PluckedStatement }).pluck();
}

/**
 * SQLite's `PRAGMA data_version` on the process's connection, read without going through knex (a
 * synchronous call, no pool round trip): it changes whenever another connection (another process:
 * the CLI, a second node on the same file) commits to the file. Undefined for PostgreSQL, when it
 * cannot be read, or while a transaction is open on the connection.
 */
export function sqliteDataVersion(db: Database): string | undefined {
  const watch = dataVersionWatches.get(db.client.config as object);
  if (!watch?.statement) return undefined;
  // While a transaction is open on the one connection, another process's commit does not show
  // (the snapshot's data_version stays): no version, so no copy is used and the row is read.
  if (watch.connection?.inTransaction) return undefined;
  try {
    return `${watch.generation}:${String(watch.statement.get())}`;
  } catch {
    return undefined;
  }
}

/**
 * knex's better-sqlite3 client prepares every query anew (`connection.prepare(sql)` per call),
 * which re-parses the same few statements on every request (bench/: about a quarter of a
 * write's CPU). Statements are reusable per connection, so the connection remembers them;
 * the cache is bounded because whereIn() lists make the SQL text vary with their length.
 */
function cachePreparedStatements(conn: { prepare(sql: string): unknown }): void {
  const prepare = conn.prepare.bind(conn);
  const statements = new Map<string, unknown>();
  conn.prepare = (sql: string) => {
    let statement = statements.get(sql);
    if (statement === undefined) {
      if (statements.size >= 500) statements.clear();
      statement = prepare(sql);
      statements.set(sql, statement);
    }
    return statement;
  };
}

export function isPostgres(db: Database): boolean {
  return db.client.config.client === 'pg';
}
