import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from './rate-limiter-classes.js';

export interface ThrottleRule {
  /** Distinguishes counters in a shared store. */
  name: string;
  points: number;
  durationSeconds: number;
  /** When the points run out, block for this long (defaults to the window). */
  blockSeconds?: number;
}

/** Counts failures per key; `check` before the attempt, `fail` after a failed one, `reset` on success. */
export interface Throttle {
  /** Seconds to wait when the key is blocked, else 0. */
  check(key: string): Promise<number>;
  fail(key: string): Promise<void>;
  reset(key: string): Promise<void>;
}

/** Memory on one node; Redis when configured, so every node shares the counters. */
export function createThrottle(rule: ThrottleRule, redis?: Redis): Throttle {
  const opts = {
    keyPrefix: `foyer:rl:${rule.name}`,
    points: rule.points,
    duration: rule.durationSeconds,
    blockDuration: rule.blockSeconds ?? rule.durationSeconds,
  };
  const limiter: RateLimiterAbstract = redis ? new RateLimiterRedis({ ...opts, storeClient: redis }) : new RateLimiterMemory(opts);
  return {
    async check(key) {
      const res = await limiter.get(key);
      if (res && res.consumedPoints >= rule.points) return Math.max(1, Math.ceil(res.msBeforeNext / 1000));
      return 0;
    },
    async fail(key) {
      try {
        await limiter.consume(key);
      } catch (err) {
        // Running out of points is the expected way to get blocked, not an error.
        if (!(err instanceof RateLimiterRes)) throw err;
      }
    },
    async reset(key) {
      await limiter.delete(key);
    },
  };
}
