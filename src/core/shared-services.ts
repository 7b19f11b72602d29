import { createHmac, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Context, Middleware } from 'koa';
import { AuditLog } from '../audit/audit-log.js';
import { createSecurityEventStream, type SecurityEventStream } from '../audit/event-stream.js';
import type { FoyerConfig } from '../config/schema.js';
import { connectDatabase, type Database } from '../db/connect.js';
import { migrateLatest, pendingMigrations } from '../db/migrate.js';
import { connectRedis, type Redis } from '../db/redis.js';
import { IdentitiesRepository } from '../directory/identities-repository.js';
import { UsersRepository } from '../directory/users-repository.js';
import type { ConnectorTestOverrides } from '../federation/create-connector.js';
import { createRequestLimiter, rateLimit, type RefusalStyle } from '../http/rate-limit.js';
import { createRenderer, type PageRenderer } from '../http/render.js';
import { createLogs, type Logger } from '../logging/logger.js';
import { createMailer, type Mailer } from '../mail/mailer.js';
import { createMetrics, type Metrics } from '../ops/metrics.js';
import { createAdapterFactory, type AdapterFactory } from '../provider/adapters/index.js';
import { storageFailureReason } from '../provider/adapters/storage-unavailable.js';
import { loadSigningKeys, type SigningKeys } from '../provider/keys/signing-keys.js';
import { systemClock, type Clock } from '../lib/clock.js';
import { createJobLeases } from './job-leases.js';
import { createScheduler, type Scheduler } from './scheduler.js';

/** A per-key request budget (rate-limit.ts), named in the metrics and shared by every node through Redis. */
export interface BudgetSpec {
  name: string;
  points: number;
  durationSeconds: number;
  /** Which requests count, under which key; undefined: this request does not count. */
  keyOf: (ctx: Context) => string | undefined;
  style: RefusalStyle | ((ctx: Context) => RefusalStyle);
  message: string;
}

/**
 * What every feature may use: storage, keys, mail, pages, request budgets, the scheduler, and the
 * repositories of the directory's core (users, their identities, the audit log). Built once per node.
 */
export interface SharedServices {
  config: FoyerConfig;
  logger: Logger;
  /** Where the one line per request goes (the same logger in tests). */
  requestLog: Logger;
  db: Database;
  redis?: Redis;
  metrics: Metrics;
  keys: SigningKeys;
  adapters: AdapterFactory;
  users: UsersRepository;
  identities: IdentitiesRepository;
  audit: AuditLog;
  /** The SIEM stream of audit and sign-in events (config audit.stream), when configured. */
  securityEvents?: SecurityEventStream;
  mailer: Mailer;
  renderer: PageRenderer;
  /** Cookies are Secure when the issuer is https. */
  secureCookies: boolean;
  budget(spec: BudgetSpec): Middleware;
  scheduler: Scheduler;
  /** The time as the lifecycle sees it (expiry, inactivity, reviews, job leases); tests move it. */
  clock: Clock;
  /** Names this node in job leases and logs. */
  nodeId: string;
  /** True once the node began to stop: health answers "not ready", responses ask clients to reconnect elsewhere. */
  isShuttingDown(): boolean;
  beginShutdown(): void;
  /** Tests only, never from config (create-connector.ts): point a preset IdP at a loopback fake. */
  connectorOverrides?: Record<string, ConnectorTestOverrides>;
  /** `clock` in milliseconds since the epoch (password reset links read it this way). */
  now: () => number;
  /** Closes mail, the database and Redis (after the scheduler and the server have stopped). */
  close(): Promise<void>;
}

export interface SharedServiceOptions {
  logger?: Logger;
  connectorOverrides?: Record<string, ConnectorTestOverrides>;
  /** Tests only: a controllable clock; deployment-wide jobs then run only through scheduler.runDue(). */
  clock?: Clock;
}

/** Opens storage (migrating it, or refusing to start on a database that needs migrations) and builds the rest. */
export async function openSharedServices(config: FoyerConfig, opts: SharedServiceOptions = {}): Promise<SharedServices> {
  // A logger given by the caller (tests) takes the request lines too.
  const { logger, requests: requestLog } = opts.logger ? { logger: opts.logger, requests: opts.logger } : createLogs(config.server.logLevel);
  const db = connectDatabase(config.storage.databaseUrl, logger);
  const metrics = createMetrics({ db, idpIds: config.identityProviders.map((i) => i.id) });
  db.on('query-error', (err: unknown) => metrics.storageError('database', storageFailureReason(err) ? 'unavailable' : 'error'));
  const redis = await openStorage(config, db, logger, metrics);

  const keys = await loadSigningKeys(db, { algorithm: config.keys.algorithm, prePublishSeconds: config.server.keysPrePublishSeconds });
  const mailer = createMailer(config.mail, logger);
  const securityEvents = createSecurityEventStream(config.audit.stream, logger);
  // Request budgets are per deployment (every node of one issuer shares them through Redis).
  let shuttingDown = false;
  const clock = opts.clock ?? systemClock;
  const nodeId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const budgetPrefix = `foyer:rl:${createHmac('sha256', 'foyer-budgets').update(config.issuer).digest('hex').slice(0, 12)}:`;
  return {
    config,
    logger,
    requestLog,
    db,
    redis,
    metrics,
    keys,
    adapters: createAdapterFactory({ db, redis }),
    users: new UsersRepository(db),
    identities: new IdentitiesRepository(db),
    audit: new AuditLog(db, securityEvents),
    securityEvents,
    mailer,
    renderer: createRenderer(config.tenant, true),
    secureCookies: config.issuer.startsWith('https:'),
    budget: (spec) =>
      rateLimit({
        limiter: createRequestLimiter({ name: spec.name, points: spec.points, durationSeconds: spec.durationSeconds }, redis, budgetPrefix),
        keyOf: spec.keyOf,
        style: spec.style,
        message: spec.message,
        onLimited: metrics.rateLimited,
      }),
    scheduler: createScheduler({ logger, leases: createJobLeases({ db, clock, nodeId }), manual: Boolean(opts.clock) }),
    clock,
    nodeId,
    isShuttingDown: () => shuttingDown,
    beginShutdown: () => {
      shuttingDown = true;
    },
    connectorOverrides: opts.connectorOverrides,
    now: () => clock.now().getTime(),
    async close() {
      mailer.close();
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
