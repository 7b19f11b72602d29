import { createHmac, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { FoyerConfig } from '../config/schema.js';
import { connectDatabase, type Database } from '../db/connect.js';
import { migrateLatest, pendingMigrations } from '../db/migrate.js';
import { connectRedis, type Redis } from '../db/redis.js';
import { IdentitiesRepository } from '../directory/identities-repository.js';
import { createUserVersions } from '../directory/user-versions.js';
import { attachUserVersions } from '../directory/user-writes.js';
import { UsersRepository } from '../directory/users-repository.js';
import type { ConnectorTestOverrides } from '../federation/create-connector.js';
import { createRequestLimiter, type RequestLimiter } from '../http/rate-limit.js';
import { createLogs, type Logger } from '../logging/logger.js';
import { requestLogThrough, type RequestLog } from '../logging/request-log.js';
import { createMetrics, type Metrics } from '../ops/metrics.js';
import { createAdapterFactory, type AdapterFactory } from '../provider/adapters/index.js';
import { storageFailureReason } from '../provider/adapters/storage-unavailable.js';
import { loadSigningKeys, type SigningKeys } from '../provider/keys/signing-keys.js';
import { systemClock, type Clock } from '../lib/clock.js';

/**
 * What a node opens once and keeps for its whole life, whatever config it serves: storage
 * connections, signing keys (and the cookie keys oidc-provider's sessions are sealed with), the
 * metrics registry, the clock. A config reload (src/live-config/) builds the features again on top
 * of these; the settings they were opened with (storage URLs, issuer, keys.algorithm) need a restart.
 */
export interface NodeServices {
  logger: Logger;
  /** Where the one line per request goes (the same logger in tests). */
  requestLog: RequestLog;
  /** The one setting of the logger a config reload changes (a logger the caller gave keeps its own level). */
  setLogLevel(level: string): void;
  db: Database;
  redis?: Redis;
  metrics: Metrics;
  keys: SigningKeys;
  adapters: AdapterFactory;
  users: UsersRepository;
  identities: IdentitiesRepository;
  clock: Clock;
  /** Tests only: deployment-wide jobs then run only through scheduler.runDue(). */
  manualJobs: boolean;
  /** Names this node in job leases, logs and config reload reports. */
  nodeId: string;
  /** One request budget per name and size for the node's life, so a reload does not hand out fresh budgets. */
  limiter(budget: { name: string; points: number; durationSeconds: number }): RequestLimiter;
  isShuttingDown(): boolean;
  beginShutdown(): void;
  connectorOverrides?: Record<string, ConnectorTestOverrides>;
  /** Closes the database and Redis (after the server and every generation's jobs have stopped). */
  close(): Promise<void>;
}

export interface NodeServiceOptions {
  logger?: Logger;
  connectorOverrides?: Record<string, ConnectorTestOverrides>;
  /** Tests only: a controllable clock; deployment-wide jobs then run only through scheduler.runDue(). */
  clock?: Clock;
}

/** Opens storage (migrating it, or refusing to start on a database that needs migrations) and loads the keys. */
export async function openNodeServices(config: FoyerConfig, opts: NodeServiceOptions = {}): Promise<NodeServices> {
  // A logger given by the caller (tests) takes the request lines too.
  const { logger, requests: requestLog } = opts.logger ? { logger: opts.logger, requests: requestLogThrough(opts.logger) } : createLogs(config.server.logLevel);
  const db = connectDatabase(config.storage.databaseUrl, logger);
  const metrics = createMetrics({ db, idpIds: config.identityProviders.map((i) => i.id) });
  db.on('query-error', (err: unknown) => metrics.storageError('database', storageFailureReason(err) ? 'unavailable' : 'error'));
  const redis = await openStorage(config, db, logger, metrics);
  // Every node announces its user writes in Redis, so the others drop their copies (user-versions.ts).
  attachUserVersions(db, createUserVersions({ db, redis, onError: (err) => logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'user version not read or settled in Redis') }));
  const keys = await loadSigningKeys(db, { algorithm: config.keys.algorithm, prePublishSeconds: config.server.keysPrePublishSeconds });

  // Request budgets are per deployment (every node of one issuer shares them through Redis).
  const budgetPrefix = `foyer:rl:${createHmac('sha256', 'foyer-budgets').update(config.issuer).digest('hex').slice(0, 12)}:`;
  const limiters = new Map<string, RequestLimiter>();
  let shuttingDown = false;
  return {
    logger,
    requestLog,
    setLogLevel(level) {
      if (!opts.logger) logger.level = requestLog.level = level;
    },
    db,
    redis,
    metrics,
    keys,
    adapters: createAdapterFactory({ db, redis }),
    users: new UsersRepository(db, opts.clock ?? systemClock),
    identities: new IdentitiesRepository(db),
    clock: opts.clock ?? systemClock,
    manualJobs: Boolean(opts.clock),
    nodeId: `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
    limiter(budget) {
      const key = `${budget.name}:${budget.points}:${budget.durationSeconds}`;
      let limiter = limiters.get(key);
      if (!limiter) limiters.set(key, (limiter = createRequestLimiter(budget, redis, budgetPrefix)));
      return limiter;
    },
    isShuttingDown: () => shuttingDown,
    beginShutdown: () => {
      shuttingDown = true;
    },
    connectorOverrides: opts.connectorOverrides,
    async close() {
      await db.destroy();
      if (redis) await redis.quit().catch(() => redis.disconnect());
    },
  };
}

async function openStorage(config: FoyerConfig, db: Database, logger: Logger, metrics: Metrics): Promise<Redis | undefined> {
  let redis: Redis | undefined;
  try {
    if (config.storage.autoMigrate) await migrateLatest(db);
    else {
      const pending = await pendingMigrations(db);
      if (pending.length) throw new Error(`the database needs migrations (${pending.join(', ')}): run "npx foyer migrate"`);
    }
    if (config.storage.redisUrl) {
      redis = await connectRedis(config.storage.redisUrl, {
        onError: (err) => {
          metrics.storageError('redis', 'unavailable');
          logger.warn({ err: err.message }, 'redis connection error');
        },
      });
    }
    return redis;
  } catch (err) {
    await db.destroy();
    const where = redis || !config.storage.redisUrl ? `the database (${describeStorageUrl(config.storage.databaseUrl)})` : `Redis (${describeStorageUrl(config.storage.redisUrl)})`;
    throw new Error(`cannot use ${where}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

/** A storage URL without its password, for messages. */
function describeStorageUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}
