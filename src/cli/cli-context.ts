import { loadConfig } from '../config/load-config.js';
import { HttpError } from '../http/http-error.js';
import type { FoyerConfig } from '../config/schema.js';
import { connectDatabase, type Database } from '../db/connect.js';
import { migrateLatest } from '../db/migrate.js';
import { connectRedis, type Redis } from '../db/redis.js';
import { createUserVersions } from '../directory/user-versions.js';
import { attachUserVersions } from '../directory/user-writes.js';
import { CliError } from './cli-error.js';

export { CliError };

/** Runs a service call, turning its HttpErrors (meant for API callers) into plain CLI errors. */
export async function run<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof HttpError) throw new CliError(`${err.message} (${err.code})`);
    throw err;
  }
}

export interface CliContext {
  config: FoyerConfig;
  db: Database;
}

/** Opens config and database for one command and always closes the database afterwards. */
export async function withDatabase<T>(configPath: string | undefined, fn: (ctx: CliContext) => Promise<T>): Promise<T> {
  const config = loadConfig(configPath);
  const db = connectDatabase(config.storage.databaseUrl);
  // A user written from the terminal must reach the nodes' copies of it (user-versions.ts): with
  // Redis configured, the write announces itself there (connected at the first write of a user).
  let redis: Promise<Redis> | undefined;
  if (config.storage.redisUrl) attachUserVersions(db, createUserVersions({ db, redis: () => (redis ??= connectRedis(config.storage.redisUrl!)) }));
  try {
    if (config.storage.autoMigrate) await migrateLatest(db);
    return await fn({ config, db });
  } finally {
    await db.destroy();
    if (redis) await redis.then((r) => r.quit(), () => undefined).catch(() => undefined);
  }
}
