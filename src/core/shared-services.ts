import type { Context, Middleware } from 'koa';
import { AuditLog } from '../audit/audit-log.js';
import { createSecurityEventStream, type SecurityEventStream } from '../audit/event-stream.js';
import type { FoyerConfig } from '../config/schema.js';
import type { Database } from '../db/connect.js';
import type { Redis } from '../db/redis.js';
import type { IdentitiesRepository } from '../directory/identities-repository.js';
import type { UsersRepository } from '../directory/users-repository.js';
import type { ConnectorTestOverrides } from '../federation/create-connector.js';
import { rateLimit, type RefusalStyle } from '../http/rate-limit.js';
import { createRenderer, type PageRenderer } from '../http/render.js';
import type { Logger } from '../logging/logger.js';
import type { RequestLog } from '../logging/request-log.js';
import { createMailer, type Mailer } from '../mail/mailer.js';
import type { Metrics } from '../ops/metrics.js';
import type { AdapterFactory } from '../provider/adapters/index.js';
import type { KeysListener, SigningKeys } from '../provider/keys/signing-keys.js';
import type { Clock } from '../lib/clock.js';
import { createJobLeases } from './job-leases.js';
import type { NodeServices } from './node-services.js';
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
 * repositories of the directory's core (users, their identities, the audit log). Built for each
 * config a node serves (sharedServicesFor), on the storage and keys the node keeps (node-services.ts).
 */
export interface SharedServices {
  config: FoyerConfig;
  logger: Logger;
  /** Where the one line per request goes (the same logger in tests). */
  requestLog: RequestLog;
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
}

/**
 * The services for one config on top of the node's (node-services.ts): what is read from config
 * (mail transport, pages, the SIEM stream, the scheduler of this composition's jobs) is made here,
 * once per config (at start, and again on each reload); storage and keys are the node's.
 * `release()` stops the jobs and closes what was made here, once no request uses them any more.
 */
export function sharedServicesFor(node: NodeServices, config: FoyerConfig): SharedServices & { release(): Promise<void> } {
  const { logger, db, redis, metrics, clock, nodeId } = node;
  const mailer = createMailer(config.mail, logger);
  const securityEvents = createSecurityEventStream(config.audit.stream, logger);
  const keys = scopedKeys(node.keys);
  const scheduler = createScheduler({ logger, leases: createJobLeases({ db, clock, nodeId }), manual: node.manualJobs });
  return {
    config,
    logger,
    requestLog: node.requestLog,
    db,
    redis,
    metrics,
    keys: keys.keys,
    adapters: node.adapters,
    users: node.users,
    identities: node.identities,
    audit: new AuditLog(db, securityEvents),
    securityEvents,
    mailer,
    renderer: createRenderer(config.tenant, true),
    secureCookies: config.issuer.startsWith('https:'),
    budget: (spec) =>
      rateLimit({
        limiter: node.limiter({ name: spec.name, points: spec.points, durationSeconds: spec.durationSeconds }),
        keyOf: spec.keyOf,
        style: spec.style,
        message: spec.message,
        onLimited: metrics.rateLimited,
      }),
    scheduler,
    clock,
    nodeId,
    isShuttingDown: node.isShuttingDown,
    beginShutdown: node.beginShutdown,
    connectorOverrides: node.connectorOverrides,
    now: () => clock.now().getTime(),
    async release() {
      await scheduler.stop();
      keys.dispose();
      mailer.close();
      securityEvents?.close?.();
    },
  };
}

/**
 * The node's signing keys as one composition sees them: its listeners (the provider's keystore, the
 * API's token check) hear of a rotation while it serves, and are dropped when it is released, so a
 * reloaded node does not keep every old provider alive.
 */
function scopedKeys(keys: SigningKeys): { keys: SigningKeys; dispose(): void } {
  let listeners: KeysListener[] = [];
  let disposed = false;
  keys.onChange(async (fresh) => {
    for (const listener of listeners) await listener(fresh);
  });
  return {
    keys: { store: keys.store, current: () => keys.current(), reload: () => keys.reload(), onChange: (l) => void (disposed || listeners.push(l)) },
    dispose() {
      disposed = true;
      listeners = [];
    },
  };
}
