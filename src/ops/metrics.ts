import { timingSafeEqual } from 'node:crypto';
import { Router } from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Database } from '../db/connect.js';
import { requestMetrics } from './request-metrics.js';

/**
 * Prometheus metrics (prom-client), one registry per Foyer instance. Every metric is documented in
 * docs/deployment.md ("Metrics"). Labels are bounded: routes are templates (`/interaction/:uid`),
 * never raw paths, and IdP labels are only ever configured ids.
 */
export interface Metrics {
  registry: Registry;
  /** Counts a finished request and its latency (ms) by route template and status; also derives sign-in results. */
  observeRequest(ctx: Context, durationMs: number): void;
  /** GET /metrics. */
  routes(opts: { token?: string }): Router;
  signIn(idp: string, result: (typeof SIGN_IN_RESULTS)[number]): void;
  rateLimited(limit: string): void;
  storageError(store: 'database' | 'redis', kind: 'unavailable' | 'error'): void;
  keyReload(result: 'changed' | 'unchanged' | 'failed'): void;
  /** Config reloads by result (src/live-config/). */
  configReload(result: 'applied' | 'unchanged' | 'rejected'): void;
  /** Reload requests over Redis that were dropped, by why (unsigned, badSignature, stale, replayed, malformed). */
  configReloadRequestRefused(reason: string): void;
  /** The config this node serves now: its version (foyer_config_info) and its IdP ids (the only `idp` labels counted). */
  configLoaded(config: { version: string; identityProviders: { id: string }[] }): void;
  /** Counts interaction prompts (login, consent, mfa) and protocol outcomes from the provider's events. */
  observeProvider(provider: Provider): void;
}

const PROVIDER_EVENTS = [
  'authorization.success',
  'authorization.error',
  'grant.success',
  'grant.error',
  'end_session.success',
  'end_session.error',
  'server_error',
] as const;

const INVITATION_STATES = ['PendingAcceptance', 'Completed', 'Revoked', 'Superseded'];
const SIGN_IN_RESULTS = ['success', 'failure', 'throttled'] as const;

export function createMetrics(deps: { db: Database; idpIds: string[] }): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'foyer_' });
  let knownIdps = new Set(deps.idpIds);

  // foyer_http_requests_total and foyer_http_request_duration_seconds, counted without prom-client's
  // per-call label hashing (request-metrics.ts).
  const requests = requestMetrics(registry, [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);
  const signIns = new Counter({
    name: 'foyer_sign_ins_total',
    help: 'Credential steps of sign-ins by identity provider (password, email-otp, or a configured IdP id) and result.',
    labelNames: ['idp', 'result'] as const,
    registers: [registry],
  });
  const prompts = new Counter({
    name: 'foyer_interaction_prompts_total',
    help: 'Sign-in interactions started, by the prompt asked for (login, mfa, consent).',
    labelNames: ['prompt'] as const,
    registers: [registry],
  });
  // Provider events since the last scrape, added to the counter when it is read: prom-client's
  // `inc` hashes the labels on every call, and grant.success fires on every token request.
  const unscrapedEvents = new Map<string, number>();
  new Counter({
    name: 'foyer_oidc_events_total',
    help: 'oidc-provider outcomes: authorization, grant (token endpoint), end_session success/error, server_error.',
    labelNames: ['event'] as const,
    registers: [registry],
    collect() {
      for (const [event, n] of unscrapedEvents) if (n > 0) this.inc({ event }, n);
      unscrapedEvents.clear();
    },
  });
  const limited = new Counter({
    name: 'foyer_rate_limited_total',
    help: 'Requests refused with 429 by a request budget, by budget name.',
    labelNames: ['limit'] as const,
    registers: [registry],
  });
  const storage = new Counter({
    name: 'foyer_storage_errors_total',
    help: 'Database query errors and Redis connection errors; kind=unavailable when the store could not be reached.',
    labelNames: ['store', 'kind'] as const,
    registers: [registry],
  });
  const keyReloads = new Counter({
    name: 'foyer_signing_key_reloads_total',
    help: 'Periodic reloads of signing keys from the database, by result (changed, unchanged, failed).',
    labelNames: ['result'] as const,
    registers: [registry],
  });
  const configReloads = new Counter({
    name: 'foyer_config_reloads_total',
    help: 'Config reloads (foyer config reload, SIGHUP) by result: applied, unchanged, rejected (the node kept its config).',
    labelNames: ['result'] as const,
    registers: [registry],
  });
  const refusedReloadRequests = new Counter({
    name: 'foyer_config_reload_requests_refused_total',
    help: 'Config reload requests over Redis dropped unheard, by reason: unsigned, badSignature, stale, replayed, malformed.',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  const configInfo = new Gauge({
    name: 'foyer_config_info',
    help: 'Always 1, labelled with the version (hash of the config files) this node serves.',
    labelNames: ['version'] as const,
    registers: [registry],
  });
  // Read at scrape time; a slow or unreachable database leaves the gauge empty for that scrape.
  new Gauge({
    name: 'foyer_invitations',
    help: 'Invitations in the database by state (PendingAcceptance, Completed, Revoked, Superseded).',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      try {
        const rows = (await withTimeout(deps.db('invitations').select('status').count({ n: '*' }).groupBy('status'), 2000)) as { status: string; n: number | string }[];
        const counts = new Map(rows.map((r) => [r.status, Number(r.n)]));
        for (const state of INVITATION_STATES) this.set({ state }, counts.get(state) ?? 0);
      } catch {
        storage.inc({ store: 'database', kind: 'unavailable' });
      }
    },
  });

  function routeOf(ctx: Context): string {
    const matched = (ctx as Context & { _matchedRoute?: string | RegExp })._matchedRoute;
    if (typeof matched === 'string') return matched;
    return ctx.status === 404 ? 'unmatched' : 'other';
  }

  /** The credential step of a sign-in, judged from the route and the answer. */
  function observeSignIn(ctx: Context, route: string): void {
    if (ctx.method === 'POST' && route === '/interaction/:uid/login') return judge('password', ctx.status);
    if (ctx.method === 'POST' && route === '/interaction/:uid/passcode') return judge('email-otp', ctx.status);
    if (route === '/federation/:idpId/callback' || route === '/federation/:idpId/acs') {
      const idp = String(ctx.params?.idpId ?? '');
      if (knownIdps.has(idp)) judge(idp, ctx.status);
    }
  }

  function judge(idp: string, status: number): void {
    if (status === 303 || status === 302) signIns.inc({ idp, result: 'success' });
    else if (status === 429) signIns.inc({ idp, result: 'throttled' });
    else if (status >= 400) signIns.inc({ idp, result: 'failure' });
  }

  return {
    registry,
    observeRequest(ctx, durationMs) {
      try {
        const route = routeOf(ctx);
        requests.observe(ctx.method, route, ctx.status, durationMs / 1000);
        observeSignIn(ctx, route);
      } catch {
        /* metrics never break a request */
      }
    },
    routes(opts) {
      const router = new Router();
      router.get('/metrics', async (ctx) => {
        if (opts.token && !bearerMatches(ctx.get('authorization'), opts.token)) {
          ctx.status = 401;
          ctx.set('WWW-Authenticate', 'Bearer realm="foyer-metrics"');
          ctx.body = { error: { code: 'metricsTokenRequired', message: 'Send the metrics token as "Authorization: Bearer <token>".' } };
          return;
        }
        ctx.set('Cache-Control', 'no-store');
        ctx.type = registry.contentType;
        ctx.body = await registry.metrics();
      });
      return router;
    },
    signIn: (idp, result) => signIns.inc({ idp, result }),
    rateLimited: (limit) => limited.inc({ limit }),
    storageError: (store, kind) => storage.inc({ store, kind }),
    keyReload: (result) => keyReloads.inc({ result }),
    configReload: (result) => configReloads.inc({ result }),
    configReloadRequestRefused: (reason) => refusedReloadRequests.inc({ reason }),
    configLoaded(config) {
      const next = new Set(config.identityProviders.map((i) => i.id));
      // An IdP the config no longer has stops being reported; a new one is reported (at 0) at once,
      // so a dashboard or alert sees it before its first sign-in. Built-in labels (password, email-otp) stay.
      for (const idp of knownIdps) if (!next.has(idp)) for (const result of SIGN_IN_RESULTS) signIns.remove({ idp, result });
      for (const idp of next) for (const result of SIGN_IN_RESULTS) signIns.inc({ idp, result }, 0);
      knownIdps = next;
      configInfo.reset();
      configInfo.set({ version: config.version }, 1);
    },
    observeProvider(provider) {
      provider.on('interaction.started', (_ctx: unknown, prompt: { name?: string }) => {
        const name = typeof prompt?.name === 'string' && /^[a-z_]{1,32}$/.test(prompt.name) ? prompt.name : 'other';
        prompts.inc({ prompt: name });
      });
      // The typings list each event with its own listener signature; the count needs none of the arguments.
      const on = provider.on.bind(provider) as (event: string, listener: () => void) => unknown;
      for (const event of PROVIDER_EVENTS) {
        // Counted in a plain number until the next scrape adds it to the counter.
        on(event, () => void unscrapedEvents.set(event, (unscrapedEvents.get(event) ?? 0) + 1));
      }
    },
  };
}

/**
 * A feature's own metric, made once per registry: a config reload builds the features again on
 * the node's one registry, where a second metric of the same name is refused; the counts go on.
 */
export function registeredOnce<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

function bearerMatches(header: string, token: string): boolean {
  const sent = Buffer.from(header);
  const expected = Buffer.from(`Bearer ${token}`);
  return sent.length === expected.length && timingSafeEqual(sent, expected);
}

function withTimeout<T>(promise: PromiseLike<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    Promise.resolve(promise),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('timeout')), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
