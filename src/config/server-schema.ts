import { z } from 'zod';

export const serverSchema = z
  .strictObject({
    port: z.coerce.number().int().min(0).max(65535).default(3000),
    host: z.string().default('0.0.0.0'),
    /** Trust X-Forwarded-* from a TLS-terminating proxy. */
    trustProxy: z.boolean().default(false),
    /** Seconds in-flight requests get to finish on SIGTERM before connections are closed. */
    shutdownGraceSeconds: z.number().int().min(0).max(120).default(10),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /**
     * How often each node re-reads signing keys from the database, so `foyer keys rotate` reaches
     * running nodes without a restart (0: only at start).
     */
    keysReloadSeconds: z.number().int().min(0).max(86400).default(60),
    /**
     * A new key is published in JWKS this long before any node signs with it, so every node (and
     * every app caching JWKS) knows it first. Several nodes: at least 2 × keysReloadSeconds.
     */
    keysPrePublishSeconds: z.number().int().min(0).max(7 * 86400).default(0),
    /** Serve Prometheus metrics at GET /metrics. Restrict it at the proxy, or with metricsToken. */
    metrics: z.boolean().default(true),
    /** When set, /metrics requires `Authorization: Bearer <metricsToken>`. */
    metricsToken: z.string().min(16).optional(),
    /**
     * Where `npm start` writes its process id, so `foyer config reload` can signal it (SIGHUP)
     * where no Redis carries the request. Default: foyer.pid beside the SQLite file; none on PostgreSQL.
     */
    pidFile: z.string().min(1).optional(),
  })
  .prefault({});

export const storageSchema = z
  .strictObject({
    /** `sqlite:path/to/file.sqlite` (relative to the working directory) or `postgres://…`. */
    databaseUrl: z
      .string()
      .regex(/^(sqlite:|postgres(ql)?:\/\/)/, 'must start with sqlite: or postgres://')
      .default('sqlite:data/foyer.sqlite'),
    /** When set, oidc-provider state, rate limits and caches live in Redis. */
    redisUrl: z.string().regex(/^rediss?:\/\//, 'must start with redis:// or rediss://').optional(),
    /** Apply pending migrations at start (safe with several nodes: knex takes a migration lock). */
    autoMigrate: z.boolean().default(true),
  })
  .prefault({});

export const limitsSchema = z
  .strictObject({
    /** Failed password attempts for one account from one IP before it is locked for `lockoutSeconds`. */
    passwordAttemptsPerAccount: z.number().int().min(1).default(5),
    /** Failed password attempts from one IP (any account) per hour. */
    passwordAttemptsPerIp: z.number().int().min(1).default(50),
    lockoutSeconds: z.number().int().min(1).default(900),
    /**
     * Failed password attempts for one account in an hour, from anywhere (Entra's smart lockout
     * counts per account too); past it no password for that address is accepted, the right one
     * included, until the hour has passed. Without it an attacker rotating client addresses got
     * passwordAttemptsPerAccount guesses per address, without end. Counted for any typed address,
     * known or not, so the lock-out reveals nothing.
     */
    passwordFailuresPerAccountPerHour: z.number().int().min(1).default(20),
    /** Requests to the token endpoint per client IP per minute (all grants, good or bad). */
    tokenRequestsPerIpPerMinute: z.number().int().min(1).default(1200),
    /** Form posts to the sign-in pages (/interaction, /redeem) per client IP per minute. */
    signInPostsPerIpPerMinute: z.number().int().min(1).default(300),
    /** Invitations created or re-sent per inviter (app or user) per hour. */
    invitationsPerInviterPerHour: z.number().int().min(1).default(500),
    /**
     * Authorization requests (GET/POST /auth, pushed requests at /request, logout at /session/end)
     * per client address per minute: each can make oidc-provider store state for a visitor nobody
     * has identified yet. IPv6 addresses count per /64.
     */
    authorizationRequestsPerIpPerMinute: z.number().int().min(1).default(300),
    /** Upstream answers (GET /federation/:idpId/callback, POST /federation/:idpId/acs) per client address per minute. */
    upstreamCallbacksPerIpPerMinute: z.number().int().min(1).default(300),
    /**
     * Sign-in page views (GET /interaction/…, GET /redeem) per client address per minute: a page
     * view can start an upstream sign-in (a federation index entry) or audit a malformed link.
     */
    signInPagesPerIpPerMinute: z.number().int().min(1).default(600),
  })
  .prefault({});

export type ServerConfig = z.infer<typeof serverSchema>;
export type StorageConfig = z.infer<typeof storageSchema>;
export type LimitsConfig = z.infer<typeof limitsSchema>;
