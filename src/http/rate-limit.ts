import type { Redis } from 'ioredis';
import type { Context, Middleware, Next } from 'koa';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from './rate-limiter-classes.js';
import { HttpError } from './http-error.js';
import { leasedBudget } from './leased-budget.js';
import { routePath } from './route-path.js';

/**
 * Request budgets against abuse (floods of token requests, sign-in form posts, invitations). Unlike
 * `throttle.ts`, which counts *failures* (wrong passwords, wrong codes), these count every request.
 *
 * With Redis the counters are shared by every node. When Redis cannot answer, each node falls back
 * to its own in-memory counter (rate-limiter-flexible's insurance limiter): an outage makes the
 * limit per node, it never makes a request fail or wait.
 */
export interface RequestBudget {
  name: string;
  points: number;
  durationSeconds: number;
}

export interface RequestLimiter {
  readonly name: string;
  /** Takes one point for `key`; resolves with 0 when allowed, else the seconds to wait. */
  take(key: string): Promise<number>;
  /**
   * `take`'s answer when this node knows it without waiting (a large budget spending a lease it
   * holds): 0 to go ahead, else the seconds to wait; undefined when only `take` can tell.
   */
  takeNow?(key: string): number | undefined;
}

/**
 * Budgets of 200 points or more are counted in Redis a lease at a time (1% of the budget,
 * at most 20 points; see leased-budget.ts) instead of one round trip per request. Without Redis
 * they are leased from the node's own counter the same way: one node holds every lease, so exactly
 * the budget is allowed, and a request spending a lease needs no promise (the token endpoint's).
 */
function leaseSizeFor(points: number): number {
  return Math.min(20, Math.floor(points / 100));
}

export function createRequestLimiter(budget: RequestBudget, redis?: Redis, prefix = 'foyer:rl:'): RequestLimiter {
  const opts = { keyPrefix: `${prefix}${budget.name}`, points: budget.points, duration: budget.durationSeconds };
  const memory = new RateLimiterMemory(opts);
  const limiter: RateLimiterAbstract = redis
    ? new RateLimiterRedis({ ...opts, storeClient: redis, insuranceLimiter: memory, rejectIfRedisNotReady: true })
    : memory;
  const leaseSize = leaseSizeFor(budget.points);
  const leased = leaseSize > 1 ? leasedBudget(limiter, budget.points, leaseSize) : undefined;
  const waitMs = leased ? leased.take : consumeOne(limiter);
  const seconds = (wait: number) => (wait > 0 ? Math.max(1, Math.ceil(wait / 1000)) : 0);
  return {
    name: budget.name,
    ...(leased
      ? {
          takeNow(key: string) {
            const wait = leased.takeNow(key);
            return wait === undefined ? undefined : seconds(wait);
          },
        }
      : {}),
    async take(key) {
      try {
        return seconds(await waitMs(key));
      } catch {
        // Neither the store nor the insurance could count: let the request through rather than fail it.
        return 0;
      }
    },
  };
}

function consumeOne(limiter: RateLimiterAbstract): (key: string) => Promise<number> {
  return async (key) => {
    try {
      await limiter.consume(key);
      return 0;
    } catch (err) {
      if (err instanceof RateLimiterRes) return Math.max(1, err.msBeforeNext);
      throw err;
    }
  };
}

export type RefusalStyle = 'foyer' | 'oauth';

export interface RateLimitOptions {
  limiter: RequestLimiter;
  /** Which requests count, and under which key; undefined: this request does not count. */
  keyOf: (ctx: Context) => string | undefined;
  /** The answer when over budget: a Foyer error (page or Graph JSON) or an OAuth JSON error. */
  style: RefusalStyle | ((ctx: Context) => RefusalStyle);
  message: string;
  /** Told about every refusal (metrics). */
  onLimited?: (name: string) => void;
}

/** A Koa middleware answering 429 with `Retry-After` once a key's budget is spent. */
export function rateLimit(opts: RateLimitOptions): Middleware {
  const limited = async (ctx: Context, next: Next, key: string, known: number | undefined) => {
    const wait = known ?? (await opts.limiter.take(key));
    if (wait === 0) return next();
    opts.onLimited?.(opts.limiter.name);
    const style = typeof opts.style === 'function' ? opts.style(ctx) : opts.style;
    if (style === 'foyer') throw new HttpError(429, 'tooManyRequests', opts.message, { retryAfterSeconds: wait });
    ctx.status = 429;
    ctx.set('Retry-After', String(wait));
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { error: 'too_many_requests', error_description: opts.message };
  };
  // Requests that do not count, and counted ones the node's lease lets through, pass straight on
  // without an async frame of their own.
  return (ctx, next) => {
    const key = opts.keyOf(ctx);
    if (key === undefined) return next();
    const known = opts.limiter.takeNow?.(key);
    return known === 0 ? next() : limited(ctx, next, key, known);
  };
}

/** The paths whose POSTs are sign-in form submissions (password, email, passcode, consent, redemption). */
export function isSignInPost(ctx: Context): boolean {
  if (ctx.method !== 'POST') return false;
  const path = routePath(ctx.path);
  return path.startsWith('/interaction/') || path === '/redeem' || path.startsWith('/federation/');
}

/** POST /v1.0/invitations and POST /v1.0/invitations/{id}/resend: each sends a mail. */
export function isInvitationSend(ctx: Context): boolean {
  return ctx.method === 'POST' && /^\/v1\.0\/invitations(?:\/[^/]+\/resend)?$/.test(routePath(ctx.path));
}

/**
 * The protocol endpoints where an unidentified browser makes oidc-provider store something: an
 * authorization request (an Interaction), a pushed request (a PushedAuthorizationRequest), a
 * logout request (a Session holding the logout state). Resuming at /auth/:uid is not counted: it
 * needs an interaction the person already finished a step of.
 */
export function isAuthorizationRequest(ctx: Context): boolean {
  const { method } = ctx;
  if (!isReadMethod(method) && method !== 'POST') return false;
  const path = routePath(ctx.path);
  return path === '/auth' || path === '/session/end' || (method === 'POST' && path === '/request');
}

/** An upstream IdP's answer: the OIDC/GitHub callback (GET) or the SAML assertion consumer (POST). */
export function isUpstreamCallback(ctx: Context): boolean {
  return (isReadMethod(ctx.method) || ctx.method === 'POST') && /^\/federation\/[^/]+\/(?:callback|acs)$/.test(routePath(ctx.path));
}

/** A GET (or HEAD) of a sign-in page: the journey under /interaction/ and the invitation link. */
export function isSignInPageView(ctx: Context): boolean {
  if (!isReadMethod(ctx.method)) return false;
  const path = routePath(ctx.path);
  return path.startsWith('/interaction/') || path === '/redeem';
}

/**
 * GET or HEAD: both routers (oidc-provider's and @koa/router) answer HEAD with the GET route's
 * handler, which runs in full (an Interaction stored, an upstream sign-in started, a callback
 * exchanged); only the body is dropped. A budget or cap that counted GET alone let HEAD past it.
 */
function isReadMethod(method: string): boolean {
  return method === 'GET' || method === 'HEAD';
}
