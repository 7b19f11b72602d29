/**
 * The storage a bench run uses (`--storage=sqlite|postgres|redis|postgres+redis`, a comma list runs
 * several). Foyer and the bare provider run on the same one:
 *
 * - sqlite: Foyer's directory and provider state in a SQLite file; the baseline's in another.
 * - postgres: each server in a schema of its own, created in BENCH_DATABASE_URL (default the
 *   `test` database on loopback) and dropped at the end.
 * - redis: Foyer's directory in SQLite, provider state, rate limits and caches in Redis; the
 *   baseline's provider state in Redis through the same adapter (under its own key prefix).
 * - postgres+redis: the layout the deployment guide recommends; the baseline as for redis.
 *
 * Redis keys go to a database of their own (13 unless BENCH_REDIS_URL names one) and are deleted
 * at the end (cleanRedis in bench/run.ts).
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { connectDatabase, type Database } from '../../src/db/connect.js';

export const STORAGES = ['sqlite', 'postgres', 'redis', 'postgres+redis'] as const;
export type StorageKind = (typeof STORAGES)[number];

export function parseStorages(arg: string | undefined): StorageKind[] {
  const list = (arg ?? 'sqlite').split(',').map((s) => s.trim()).filter(Boolean);
  for (const s of list) if (!STORAGES.includes(s as StorageKind)) throw new Error(`unknown storage "${s}"; choose from ${STORAGES.join(', ')} (a comma list runs several)`);
  return [...new Set(list)] as StorageKind[];
}

export const usesRedis = (kind: StorageKind) => kind === 'redis' || kind === 'postgres+redis';
export const usesPostgres = (kind: StorageKind) => kind === 'postgres' || kind === 'postgres+redis';

export function benchDatabaseUrl(): string {
  return process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
}

/** Redacts a password, if the URL has one, for messages. */
export function showUrl(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

/** Throws a message a person can act on when PostgreSQL does not answer. */
export async function checkPostgres(url: string): Promise<void> {
  const db = connectDatabase(url);
  try {
    await db.raw('select 1');
  } catch (err) {
    throw new Error(`PostgreSQL not reachable at ${showUrl(url)} (${(err as Error).message}); start it or set BENCH_DATABASE_URL`);
  } finally {
    await db.destroy();
  }
}

/** One storage for the run: hands out database URLs by name (the same name, the same database). */
export class BenchStorage {
  private readonly urls = new Map<string, string>();
  private readonly schemas: string[] = [];
  private readonly run = randomBytes(4).toString('hex');

  constructor(
    readonly kind: StorageKind,
    private readonly tmp: string,
    /** Set when the storage uses Redis. */
    readonly redisUrl: string | undefined,
  ) {}

  /** Foyer's database (directory, and provider state unless Redis holds it) for one named node or group of nodes. */
  async databaseUrl(name: string): Promise<string> {
    const known = this.urls.get(name);
    if (known) return known;
    let url: string;
    if (usesPostgres(this.kind)) {
      const schema = `foyer_bench_${this.run}_${name.replace(/[^a-z0-9]/gi, '_')}`.toLowerCase();
      const admin = connectDatabase(benchDatabaseUrl());
      try {
        await admin.raw('create schema ??', [schema]);
      } finally {
        await admin.destroy();
      }
      this.schemas.push(schema);
      const scoped = new URL(benchDatabaseUrl());
      // In the startup packet, so every pooled connection of the server gets it.
      scoped.searchParams.set('options', `-c search_path=${schema}`);
      url = scoped.toString();
    } else {
      url = `sqlite:${join(this.tmp, this.kind, name, 'foyer.sqlite')}`;
    }
    this.urls.set(name, url);
    return url;
  }

  /** The baseline's --storage: Redis when the storage has it (it keeps nothing else), else a database of its own. */
  async baselineStorage(name: string): Promise<string> {
    return this.redisUrl ?? this.databaseUrl(`baseline_${name}`);
  }

  /** Drops the PostgreSQL schemas this run created. */
  async close(): Promise<void> {
    if (!this.schemas.length) return;
    const admin: Database = connectDatabase(benchDatabaseUrl());
    try {
      for (const schema of this.schemas.splice(0)) await admin.raw('drop schema if exists ?? cascade', [schema]);
    } finally {
      await admin.destroy();
    }
  }
}
