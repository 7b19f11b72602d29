import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import type Provider from 'oidc-provider';
import type { FoyerConfig } from './config/schema.js';
import { AuditLog } from './audit/audit-log.js';
import { connectDatabase, type Database } from './db/connect.js';
import { migrateLatest, pendingMigrations } from './db/migrate.js';
import { connectRedis } from './db/redis.js';
import { UsersRepository } from './directory/users-repository.js';
import { errorResponder } from './http/error-handler.js';
import { createRenderer } from './http/render.js';
import { requestEdge } from './http/request-edge.js';
import { staticRoutes } from './http/static-routes.js';
import { createThrottle } from './http/throttle.js';
import { consentStep } from './interaction/consent.js';
import { interactionRoutes } from './interaction/interaction-routes.js';
import { passwordLogin } from './interaction/password-login.js';
import { createLogs, type Logger } from './logging/logger.js';
import { healthRoutes } from './ops/health-routes.js';
import { createAdapterFactory } from './provider/adapters/index.js';
import { purgeExpired } from './provider/adapters/sql-adapter.js';
import { buildProvider, replaceSigningKeys } from './provider/build-provider.js';
import { KeyStore, keysFingerprint, publicJwks } from './provider/keys/key-store.js';
import { createMetrics } from './ops/metrics.js';
import { storageFailureReason } from './provider/adapters/storage-unavailable.js';
import { createRequestLimiter, isAuthorizationRequest, isInvitationSend, isSignInPageView, isSignInPost, isUpstreamCallback, rateLimit } from './http/rate-limit.js';
import { capAuthorizationParameters } from './http/authorization-size-limits.js';
import { clientNetwork } from './http/client-network.js';
import { keepInteractionCookies } from './interaction/interaction-lifetime.js';
import { mountRouters } from './http/mount-routers.js';
import type { Middleware } from 'koa';
import { IdentitiesRepository } from './directory/identities-repository.js';
import { InvitationsRepository } from './invitations/invitations-repository.js';
import type { InvitationService } from './invitations/invitation-service.js';
import { invitationServiceFor } from './invitations/invitation-service-factory.js';
import { createMailer, type Mailer } from './mail/mailer.js';
import { apiRouter } from './api/api-router.js';
import { bearerAuth } from './api/bearer-auth.js';
import { invitationsRoutes } from './api/invitations-routes.js';
import { usersRoutes } from './api/users-routes.js';
import { createHmac } from 'node:crypto';
import { createConnectorRegistry } from './federation/connector-registry.js';
import type { ConnectorTestOverrides } from './federation/create-connector.js';
import { createEmailPasscode } from './federation/email-passcode.js';
import { FederationIndex } from './interaction/federation-index.js';
import type { JourneyDeps } from './interaction/journey-deps.js';
import { upstreamCallbackRoutes } from './interaction/upstream-sign-in.js';
import { RedemptionService } from './invitations/redemption-service.js';
import { redemptionRoutes } from './invitations/redemption-routes.js';
import { portalClient } from './portal/portal-client.js';
import { portalSignInRoutes } from './portal/portal-sign-in-routes.js';
import { assignmentPage } from './access/assignment-page.js';
import { assignmentPrompt } from './access/assignment-prompt.js';
import { appRoleAssignmentsRoutes } from './api/app-role-assignments-routes.js';
import { groupsRoutes } from './api/groups-routes.js';
import { openapiRoute } from './api/openapi-route.js';
import { createDirectoryServices } from './directory/directory-services.js';
import { myAppsUrl } from './portal/portal-client.js';
import { DelegatedGuests } from './portal/delegated-guests.js';
import { portalRoutes } from './portal/portal-routes.js';
import { portalSecurity } from './portal/portal-security.js';
import { createConditionalAccess } from './access/conditional-access.js';
import { signInsRoutes } from './api/sign-ins-routes.js';

export interface Foyer {
  config: FoyerConfig;
  provider: Provider;
  db: Database;
  redis?: Redis;
  logger: Logger;
  users: UsersRepository;
  identities: IdentitiesRepository;
  invitations: InvitationService;
  mailer: Mailer;
  audit: AuditLog;
  keys: KeyStore;
  /** Starts listening; resolves with the bound port (useful with port 0 in tests). */
  listen(port?: number, host?: string): Promise<{ server: Server; port: number }>;
  /** Stops accepting requests, lets in-flight ones finish (up to the grace period), closes storage. */
  close(): Promise<void>;
}

/** A storage URL without its password, for messages. */
function describeStorageUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}

const PURGE_INTERVAL_MS = 60 * 1000;
const PURGE_BATCH = 1000;

/** The composition root: storage → repositories → provider → routes. Nothing else lives here. */
export async function createFoyer(
  config: FoyerConfig,
  /** `connectorOverrides`: tests only, never from config (see create-connector.ts): point a preset at a loopback fake. */
  opts: { logger?: Logger; connectorOverrides?: Record<string, ConnectorTestOverrides> } = {},
): Promise<Foyer> {
  // A logger given by the caller (tests) takes the request lines too.
  const { logger, requests: requestLog } = opts.logger ? { logger: opts.logger, requests: opts.logger } : createLogs(config.server.logLevel);
  const db = connectDatabase(config.storage.databaseUrl, logger);
  const metrics = createMetrics({ db, idpIds: config.identityProviders.map((i) => i.id) });
  db.on('query-error', (err: unknown) => metrics.storageError('database', storageFailureReason(err) ? 'unavailable' : 'error'));
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
  } catch (err) {
    await db.destroy();
    const where = redis || !config.storage.redisUrl ? `the database (${describeStorageUrl(config.storage.databaseUrl)})` : `Redis (${describeStorageUrl(config.storage.redisUrl)})`;
    throw new Error(`cannot use ${where}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }

  const keyStore = new KeyStore(db);
  await keyStore.ensureKeys();
  const loadKeys = () => keyStore.load(config.keys.algorithm, { prePublishSeconds: config.server.keysPrePublishSeconds });
  const keys = await loadKeys();
  const users = new UsersRepository(db);
  const audit = new AuditLog(db);
  const identities = new IdentitiesRepository(db);
  const mailer = createMailer(config.mail, logger);
  const renderer = createRenderer(config.tenant, true);
  const secureCookies = config.issuer.startsWith('https:');
  const adapterFactory = createAdapterFactory({ db, redis });
  const cookieKey = keys.cookieKeys[0]!;
  const dir = createDirectoryServices({ db, redis, config, users, audit, adapters: adapterFactory, logger });
  const access = createConditionalAccess({ config, db, redis, users, adapterFactory, renderer, logger });
  const provider = buildProvider({ config, keys, adapter: adapterFactory, users, appAccess: dir.gate, renderer, extraClients: [portalClient(config.issuer, cookieKey)], gatePrompts: [assignmentPrompt(dir.gate)], extendPolicy: access.extendPolicy });
  const accessRoutes = access.withProvider(provider);
  dir.sessions.track(provider, logger);
  provider.on('server_error', (ctx, err) => logger.error({ err, requestId: ctx.state?.requestId, path: ctx.path }, 'oidc-provider server error'));
  metrics.observeProvider(provider);
  // Koa prints errors it could not answer (a client that broke off, bytes after `Connection: close`)
  // to stderr as plain text unless someone listens: keep them in the JSON log instead.
  (provider.on.bind(provider) as (event: 'error', listener: (err: Error) => void) => unknown)('error', (err) =>
    logger.warn({ err: err.message, code: (err as { code?: unknown }).code }, 'request stream error'),
  );

  const invitationRows = new InvitationsRepository(db);
  const invitations = invitationServiceFor(config, { db, users, identities, invitations: invitationRows, audit, mailer, renderer, lifecycle: dir.lifecycle });
  const redemption = new RedemptionService({ db, settings: config.invitations, apps: config.apps, users, identities, invitations: invitationRows, audit });
  const registry = createConnectorRegistry(config.identityProviders, { issuer: config.issuer, logger }, opts.connectorOverrides);
  void registry.warmUp();
  // Request budgets are per deployment (every node of one issuer shares them through Redis).
  const budgetPrefix = `foyer:rl:${createHmac('sha256', 'foyer-budgets').update(config.issuer).digest('hex').slice(0, 12)}:`;
  // Rebuilt when the signing keys are reloaded; invitation sends are budgeted per authenticated inviter.
  const grantAlive = async (grantId: string) => Boolean(await provider.Grant.find(grantId));
  const apiAuthFor = (jwks: typeof keys.jwks) => bearerAuth({ issuer: config.issuer, publicJwks: publicJwks(jwks), apps: config.apps, users, grantAlive });
  let apiAuth = apiAuthFor(keys.jwks);
  const invitationBudget = rateLimit({
    limiter: createRequestLimiter({ name: 'invitations', points: config.limits.invitationsPerInviterPerHour, durationSeconds: 3600 }, redis, budgetPrefix),
    keyOf: (ctx) => {
      if (!isInvitationSend(ctx)) return undefined;
      const p = ctx.state.principal as { kind: string; appId?: string; userId?: string } | undefined;
      return p ? (p.kind === 'app' ? `app:${p.appId}` : `user:${p.userId}`) : undefined;
    },
    style: 'foyer',
    message: 'Too many invitations were sent by this inviter in the last hour. Wait, then try again.',
    onLimited: metrics.rateLimited,
  });
  const authThenBudget: Middleware = (ctx, next) => apiAuth(ctx, () => invitationBudget(ctx, next));
  const api = apiRouter(authThenBudget, [
    invitationsRoutes({ service: invitations, issuer: config.issuer }),
    signInsRoutes({ log: access.signIns, issuer: config.issuer }),
    usersRoutes({ issuer: config.issuer, users, identities, directory: dir.directory, groups: dir.groups, lifecycle: dir.lifecycle }),
    groupsRoutes({ db, issuer: config.issuer, groups: dir.groups, assignments: dir.assignments, users, ownership: dir.ownership, audit }),
    appRoleAssignmentsRoutes({ issuer: config.issuer, apps: config.apps, service: dir.appAssignments, assignments: dir.assignments, users, groups: dir.groups, ownership: dir.ownership }),
  ]);
  const idpNames = new Map(config.identityProviders.map((i) => [i.id, i.displayName ?? i.id]));
  const delegated = new DelegatedGuests({ db, ownership: dir.ownership, apps: config.apps, assignments: dir.assignments, appAssignments: dir.appAssignments, groups: dir.groups, users, invitations, audit, myAppsUrl: myAppsUrl(config.issuer) });

  const { limits } = config;
  const login = passwordLogin({
    provider,
    users,
    renderer,
    logger,
    perAccount: createThrottle({ name: 'pwd-account', points: limits.passwordAttemptsPerAccount, durationSeconds: limits.lockoutSeconds }, redis),
    perIp: createThrottle({ name: 'pwd-ip', points: limits.passwordAttemptsPerIp, durationSeconds: 3600 }, redis),
    signIns: accessRoutes.recorder,
  });

  const journey: JourneyDeps = {
    provider,
    issuer: config.issuer,
    memberDomains: config.tenant.memberDomains,
    registry,
    passcode: config.emailPasscode.enabled
      ? createEmailPasscode({
          config: config.emailPasscode,
          mailer,
          renderer,
          // Keyed by a secret every node shares (derived from the cookie key) so a stored code hash is useless alone.
          secret: createHmac('sha256', cookieKey).update('email-passcode').digest(),
          logger,
          redis,
        })
      : undefined,
    passcodeSettings: config.emailPasscode,
    federationIndex: new FederationIndex(adapterFactory('FederationState')),
    users,
    identities,
    invitations: invitationRows,
    redemption,
    audit,
    renderer,
    logger,
    secureCookies,
    signIns: accessRoutes.recorder,
  };

  let shuttingDown = false;
  provider.use(requestEdge({ requestLog, observe: metrics.observeRequest, respondToError: errorResponder(logger, renderer), isShuttingDown: () => shuttingDown, hsts: secureCookies }));
  provider.use(accessRoutes.outcomes);
  provider.use(
    rateLimit({
      limiter: createRequestLimiter({ name: 'sign-in-posts', points: limits.signInPostsPerIpPerMinute, durationSeconds: 60 }, redis, budgetPrefix),
      keyOf: (ctx) => (isSignInPost(ctx) ? ctx.ip : undefined),
      style: 'foyer',
      message: 'Too many sign-in attempts from your network. Wait a minute, then try again.',
      onLimited: metrics.rateLimited,
    }),
  );
  provider.use(
    rateLimit({
      limiter: createRequestLimiter({ name: 'token', points: limits.tokenRequestsPerIpPerMinute, durationSeconds: 60 }, redis, budgetPrefix),
      keyOf: (ctx) => (ctx.method === 'POST' && ctx.path === '/token' ? ctx.ip : undefined),
      style: 'oauth',
      message: 'Too many token requests from this address. Retry after the number of seconds in Retry-After.',
      onLimited: metrics.rateLimited,
    }),
  );
  // What an anonymous browser can make Foyer store (interactions, logout state, federation index
  // entries, audit rows) is budgeted per address (IPv6 per /64) before anything runs, then capped in size.
  provider.use(
    rateLimit({
      limiter: createRequestLimiter({ name: 'authorization', points: limits.authorizationRequestsPerIpPerMinute, durationSeconds: 60 }, redis, budgetPrefix),
      keyOf: (ctx) => (isAuthorizationRequest(ctx) ? clientNetwork(ctx.ip) : undefined),
      // Browsers get a page; an app pushing a request (PAR) gets an OAuth error it can parse.
      style: (ctx) => (ctx.path === '/request' ? 'oauth' : 'foyer'),
      message: 'Too many sign-in requests from your network. Wait a minute, then try again.',
      onLimited: metrics.rateLimited,
    }),
  );
  provider.use(
    rateLimit({
      limiter: createRequestLimiter({ name: 'upstream-callbacks', points: limits.upstreamCallbacksPerIpPerMinute, durationSeconds: 60 }, redis, budgetPrefix),
      keyOf: (ctx) => (isUpstreamCallback(ctx) ? clientNetwork(ctx.ip) : undefined),
      style: 'foyer',
      message: 'Too many sign-in responses from your network. Wait a minute, then sign in again.',
      onLimited: metrics.rateLimited,
    }),
  );
  provider.use(
    rateLimit({
      limiter: createRequestLimiter({ name: 'sign-in-pages', points: limits.signInPagesPerIpPerMinute, durationSeconds: 60 }, redis, budgetPrefix),
      keyOf: (ctx) => (isSignInPageView(ctx) ? clientNetwork(ctx.ip) : undefined),
      style: 'foyer',
      message: 'Too many sign-in pages were opened from your network. Wait a minute, then try again.',
      onLimited: metrics.rateLimited,
    }),
  );
  provider.use(capAuthorizationParameters());
  provider.use(keepInteractionCookies(provider));
  provider.use(mountRouters([
    healthRoutes({ db, redis, isShuttingDown: () => shuttingDown }),
    ...(config.server.metrics ? [metrics.routes({ token: config.server.metricsToken })] : []),
    await staticRoutes(config.tenant),
    interactionRoutes({ journey, login, consent: consentStep({ provider, users, renderer }), notAssigned: assignmentPage({ gate: dir.gate, users, audit, renderer }), access: accessRoutes.step }),
    upstreamCallbackRoutes(journey),
    redemptionRoutes({ redemption, renderer, provider, users, issuer: config.issuer, secureCookies }),
    portalSignInRoutes({ provider, issuer: config.issuer, secureCookies }),
    portalRoutes({ provider, users, issuer: config.issuer, secureCookies, db, apps: config.apps, myAppsUrl: myAppsUrl(config.issuer), directory: dir.directory, invitations, gate: dir.gate, delegated, identities, lifecycle: dir.lifecycle, renderer, idpNames, security: portalSecurity({ config, db, redis, provider, issuer: config.issuer, secureCookies, audit, renderer, mfa: access.mfa }) }),
    await openapiRoute(),
    api,
  ]));

  // The SQL adapter hides expired rows; this deletes them. Redis expires keys by itself.
  const purge = async () => {
    while ((await purgeExpired(db, PURGE_BATCH)) >= PURGE_BATCH) {
      /* keep going while full batches come back */
    }
  };
  const purgeTimer = redis ? undefined : setInterval(() => void purge().catch((err) => logger.warn({ err }, 'purging expired state failed')), PURGE_INTERVAL_MS);
  purgeTimer?.unref();

  // `foyer keys rotate` (on any node, or the CLI) reaches this node at the next reload.
  let keysSeen = keysFingerprint(keys);
  let reloading = false;
  const reloadKeys = async () => {
    if (reloading) return;
    reloading = true;
    try {
      const fresh = await loadKeys();
      const fingerprint = keysFingerprint(fresh);
      if (fingerprint === keysSeen) return metrics.keyReload('unchanged');
      await replaceSigningKeys(provider, fresh.jwks);
      apiAuth = apiAuthFor(fresh.jwks);
      keysSeen = fingerprint;
      metrics.keyReload('changed');
      logger.info({ kids: fresh.jwks.map((k) => k.kid) }, 'signing keys reloaded');
    } catch (err) {
      metrics.keyReload('failed');
      logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'reloading signing keys failed; keeping the current ones');
    } finally {
      reloading = false;
    }
  };
  const keyTimer = config.server.keysReloadSeconds > 0 ? setInterval(() => void reloadKeys(), config.server.keysReloadSeconds * 1000) : undefined;
  keyTimer?.unref();

  let server: Server | undefined;
  return {
    config,
    provider,
    db,
    redis,
    logger,
    users,
    identities,
    invitations,
    mailer,
    audit,
    keys: keyStore,
    listen(port = config.server.port, host = config.server.host) {
      server = createServer({ maxHeaderSize: 16 * 1024, requestTimeout: 30_000, headersTimeout: 10_000 }, provider.callback());
      server.keepAliveTimeout = 5_000;
      const s = server;
      return new Promise((resolve, reject) => {
        s.once('error', reject);
        s.listen(port, host, () => resolve({ server: s, port: (s.address() as AddressInfo).port }));
      });
    },
    async close() {
      shuttingDown = true;
      if (purgeTimer) clearInterval(purgeTimer);
      if (keyTimer) clearInterval(keyTimer);
      if (server) {
        const s = server;
        const closed = new Promise<void>((resolve) => s.close(() => resolve()));
        s.closeIdleConnections();
        const grace = new Promise<void>((resolve) => setTimeout(resolve, config.server.shutdownGraceSeconds * 1000).unref());
        await Promise.race([closed, grace]);
        s.closeAllConnections();
      }
      mailer.close();
      await db.destroy();
      if (redis) await redis.quit().catch(() => redis!.disconnect());
    },
  };
}
