import { createRequire } from 'node:module';
import type * as Flexible from 'rate-limiter-flexible';

/**
 * The rate-limiter-flexible classes Foyer uses, each from its own file: the package's index loads
 * every store it supports (Mongo, MySQL, DynamoDB, etcd, …), a cost every start paid for nothing
 * (issue 20). Same files as the index's, so `instanceof RateLimiterRes` holds whichever way a
 * limiter was loaded; the types are the package's own.
 */
const requireHere = createRequire(import.meta.url);

export const RateLimiterMemory = requireHere('rate-limiter-flexible/lib/RateLimiterMemory.js') as typeof Flexible.RateLimiterMemory;
export const RateLimiterRedis = requireHere('rate-limiter-flexible/lib/RateLimiterRedis.js') as typeof Flexible.RateLimiterRedis;
export const RateLimiterRes = requireHere('rate-limiter-flexible/lib/RateLimiterRes.js') as typeof Flexible.RateLimiterRes;
export type RateLimiterAbstract = Flexible.RateLimiterAbstract;
