import { AuditLog } from '../audit/audit-log.js';
import type { FoyerConfig } from '../config/schema.js';
import type { Database } from '../db/connect.js';
import { connectRedis, type Redis } from '../db/redis.js';
import { createDirectoryServices, type DirectoryServices } from '../directory/directory-services.js';
import type { Group } from '../directory/groups-repository.js';
import type { User } from '../directory/user-model.js';
import { UsersRepository } from '../directory/users-repository.js';
import { createAdapterFactory } from '../provider/adapters/index.js';
import { CliError, run, withDatabase } from './cli-context.js';
import { resolveUser } from './user-ref.js';

export interface DirectoryCli extends DirectoryServices {
  config: FoyerConfig;
  db: Database;
  users: UsersRepository;
  audit: AuditLog;
  user(ref: string): Promise<User>;
  group(ref: string): Promise<Group>;
}

export const CLI_ACTOR = { type: 'cli' as const };

/**
 * The directory for one CLI command, built like the server's (so disabling a user from the
 * terminal ends their sessions in whichever store holds them: SQL, or Redis when configured).
 */
export function withDirectory<T>(configPath: string | undefined, fn: (cli: DirectoryCli) => Promise<T>): Promise<T> {
  return withDatabase(configPath, async ({ config, db }) => {
    let redis: Redis | undefined;
    try {
      if (config.storage.redisUrl) redis = await connectRedis(config.storage.redisUrl);
      const users = new UsersRepository(db);
      const audit = new AuditLog(db);
      const services = createDirectoryServices({ db, redis, config, users, audit, adapters: createAdapterFactory({ db, redis }) });
      const cli: DirectoryCli = {
        ...services,
        config,
        db,
        users,
        audit,
        user: (ref) => resolveUser(users, ref),
        async group(ref) {
          if (/^[0-9a-f-]{36}$/i.test(ref)) {
            const found = await services.groups.findById(ref.toLowerCase());
            if (found) return found;
          }
          const named = await services.groups.findByDisplayName(ref);
          if (named.length === 1) return named[0]!;
          if (named.length > 1) throw new CliError(`${named.length} groups are named "${ref}"; use an id: ${named.map((g) => g.id).join(', ')}`);
          throw new CliError(`no group "${ref}" (give a group id or its exact name)`);
        },
      };
      return await run(() => fn(cli));
    } finally {
      if (redis) await redis.quit().catch(() => redis!.disconnect());
    }
  });
}

