/**
 * The GET /auth flood against a Redis-backed Foyer, where interactions live in Redis memory: the
 * budget is counted in Redis, the flood gets 429s once it is spent, the Interaction keys stop
 * growing, and each untouched one expires in Redis after 10 minutes. Other suites share the Redis
 * server and its key prefix, so only keys whose interaction returns to this Foyer's issuer (a port
 * of its own) are counted.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type * as client from 'openid-client';
import { UNTOUCHED_INTERACTION_TTL } from '../../src/interaction/interaction-lifetime.js';
import { DEFAULT_REDIS_PREFIX } from '../../src/provider/adapters/redis-adapter.js';
import { startAuthorization, webAppClient } from '../support/oidc-client.js';
import { describeWithRedis, freshRedisNamespace, redisUrl } from '../support/real-servers.js';
import { startFoyer, type RunningFoyer } from '../support/start-foyer.js';
import { expectRefused, requestFrom } from './support/anonymous-flood.js';

const BUDGET = 6;

describeWithRedis('an anonymous GET /auth flood on a Redis-backed Foyer', () => {
  const ns = freshRedisNamespace();
  let foyer: RunningFoyer;
  let app: client.Configuration;
  beforeAll(async () => {
    foyer = await startFoyer(
      (config) => {
        config.server = { ...(config.server as object), trustProxy: true };
        config.limits = { authorizationRequestsPerIpPerMinute: BUDGET };
      },
      { redisUrl: redisUrl() },
    );
    app = await webAppClient(foyer.issuer);
  }, 60_000);
  afterAll(() => foyer?.stop());

  /** This Foyer's Interaction keys, with how long Redis keeps each. */
  async function interactionKeys(): Promise<{ key: string; ttlMs: number }[]> {
    const mine: { key: string; ttlMs: number }[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await ns.redis.scan(cursor, 'MATCH', `${DEFAULT_REDIS_PREFIX}Interaction:*`, 'COUNT', 500);
      for (const key of keys) {
        const payload = await ns.redis.hget(key, 'payload');
        if (payload && String((JSON.parse(payload) as { returnTo?: string }).returnTo).startsWith(`${foyer.issuer}/`)) mine.push({ key, ttlMs: await ns.redis.pttl(key) });
      }
      cursor = next;
    } while (cursor !== '0');
    return mine;
  }

  it('gets 429 after the budget, stored interactions stop growing, and each expires in 10 minutes', async () => {
    const flood = async () => requestFrom('203.0.113.40', (await startAuthorization(app, { state: 'x'.repeat(4096) })).url.href);
    for (let i = 0; i < BUDGET; i++) expect((await flood()).status).toBe(303);
    const stored = await interactionKeys();
    expect(stored).toHaveLength(BUDGET);
    for (const { ttlMs } of stored) {
      expect(ttlMs).toBeGreaterThan((UNTOUCHED_INTERACTION_TTL - 60) * 1000);
      expect(ttlMs).toBeLessThanOrEqual(UNTOUCHED_INTERACTION_TTL * 1000);
    }
    for (let i = 0; i < 10; i++) await expectRefused(await flood(), 429, 'tooManyRequests');
    expect(await interactionKeys()).toHaveLength(BUDGET);
    // What this test stored goes with it (the shared Redis is never flushed).
    await ns.redis.del(...stored.map((s) => s.key));
  });
});
