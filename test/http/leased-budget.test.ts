/**
 * Large request budgets with Redis are counted a lease at a time (src/http/leased-budget.ts). Two
 * limiters on one Redis play two Foyer nodes: together they never allow more than the budget, and
 * they ask Redis once per lease rather than once per request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { connectRedis, type Redis } from '../../src/db/redis.js';
import { leasedBudget } from '../../src/http/leased-budget.js';
import { createRequestLimiter, type RequestLimiter } from '../../src/http/rate-limit.js';
import { describeWithRedis, freshRedisNamespace, redisUrl } from '../support/real-servers.js';

const POINTS = 1000; // leases of 10
const budget = { name: 'token', points: POINTS, durationSeconds: 60 };

async function takeMany(limiter: RequestLimiter, key: string, n: number): Promise<number[]> {
  const waits: number[] = [];
  for (let i = 0; i < n; i++) waits.push(await limiter.take(key));
  return waits;
}

describeWithRedis('a large request budget shared through Redis', () => {
  const ns = freshRedisNamespace();
  let second: Redis;
  const nodes = () => [createRequestLimiter(budget, ns.redis, ns.prefix), createRequestLimiter(budget, second, ns.prefix)] as const;
  const counted = async (key: string, name = 'token') => Number(await ns.redis.get(`${ns.prefix}${name}:${key}`));
  beforeAll(async () => {
    second = await connectRedis(redisUrl()!);
  });
  afterAll(async () => {
    await second.quit();
  });

  it('is taken from Redis ten points at a time', async () => {
    const [a] = nodes();
    expect(await a.take('192.0.2.1')).toBe(0);
    expect(await counted('192.0.2.1')).toBe(10);
    expect(await takeMany(a, '192.0.2.1', 9)).toEqual(Array(9).fill(0));
    expect(await counted('192.0.2.1')).toBe(10);
    expect(await a.take('192.0.2.1')).toBe(0);
    expect(await counted('192.0.2.1')).toBe(20);
  });

  it('leases once for many concurrent requests of one address instead of once per request', async () => {
    const [a] = nodes();
    const waits = await Promise.all(Array.from({ length: 50 }, () => a.take('192.0.2.2')));
    expect(waits).toEqual(Array(50).fill(0));
    expect(await counted('192.0.2.2')).toBe(50);
  });

  it('never allows more than the budget across two nodes, and refuses on both once it is spent', async () => {
    const [a, b] = nodes();
    const key = '192.0.2.3';
    let allowed = 0;
    // Node a takes most of the budget; the 1000th point is leased by a, which keeps 5 unspent.
    for (const wait of await takeMany(a, key, 995)) if (wait === 0) allowed++;
    expect(allowed).toBe(995);
    expect(await counted(key)).toBe(POINTS);
    // Node b finds nothing left in Redis (a's unspent lease is a's), and refuses without a second round trip.
    const refused = await b.take(key);
    expect(refused).toBeGreaterThan(0);
    expect(refused).toBeLessThanOrEqual(60);
    expect(await b.take(key)).toBe(refused);
    expect(await counted(key)).toBe(POINTS + 10);
    // Node a spends what it leased, then is refused too.
    for (const wait of await takeMany(a, key, 5)) if (wait === 0) allowed++;
    expect(allowed).toBe(POINTS);
    expect(await a.take(key)).toBeGreaterThan(0);
  });

  it('hands out the points left before a refused lease when the window is nearly spent', async () => {
    const [a, b] = nodes();
    const key = '192.0.2.4';
    await takeMany(a, key, 994); // 100 leases of 10: 1000 counted, a keeps 6
    await ns.redis.decrby(`${ns.prefix}token:${key}`, 4); // as if 4 of those points were never leased
    // b's lease of 10 now finds 4 points left: it may spend those 4 and no more.
    expect(await takeMany(b, key, 4)).toEqual([0, 0, 0, 0]);
    expect(await b.take(key)).toBeGreaterThan(0);
  });

  it('a small budget (under 200 points) is still counted in Redis one request at a time', async () => {
    const small = createRequestLimiter({ name: 'sign-in-posts', points: 3, durationSeconds: 60 }, ns.redis, ns.prefix);
    expect(await small.take('192.0.2.5')).toBe(0);
    expect(await counted('192.0.2.5', 'sign-in-posts')).toBe(1);
    expect(await takeMany(small, '192.0.2.5', 2)).toEqual([0, 0]);
    expect(await counted('192.0.2.5', 'sign-in-posts')).toBe(3);
    expect(await small.take('192.0.2.5')).toBeGreaterThanOrEqual(1);
  });
});

describe('a large request budget without Redis', () => {
  it('allows exactly the budget in a window, leased from the node\'s own counter: the 1001st is refused', async () => {
    const node = createRequestLimiter(budget);
    expect((await takeMany(node, '192.0.2.9', POINTS)).every((wait) => wait === 0)).toBe(true);
    const refused = await node.take('192.0.2.9');
    expect(refused).toBeGreaterThanOrEqual(1);
    expect(refused).toBeLessThanOrEqual(60);
    expect(node.takeNow!('192.0.2.9')).toBe(refused);
    // Another address has a budget of its own.
    expect(await node.take('192.0.2.10')).toBe(0);
  });

  it('answers without waiting while a lease lasts, and sends the request that needs a new lease to take()', async () => {
    const node = createRequestLimiter(budget);
    const key = '192.0.2.11';
    expect(node.takeNow!(key)).toBeUndefined(); // no lease yet
    expect(await node.take(key)).toBe(0); // leases 10, spends 1
    const now = Array.from({ length: 9 }, () => node.takeNow!(key));
    expect(now).toEqual(Array(9).fill(0));
    expect(node.takeNow!(key)).toBeUndefined(); // the lease is spent
    // Spending through takeNow counted: 990 more are allowed in the window, then the refusal.
    expect((await takeMany(node, key, POINTS - 10)).every((wait) => wait === 0)).toBe(true);
    expect(await node.take(key)).toBeGreaterThanOrEqual(1);
  });

  it('a small budget has no lease to answer from: every request is counted by take()', async () => {
    const small = createRequestLimiter({ name: 'sign-in-posts', points: 3, durationSeconds: 60 });
    expect(small.takeNow).toBeUndefined();
    expect(await takeMany(small, '192.0.2.12', 3)).toEqual([0, 0, 0]);
    expect(await small.take('192.0.2.12')).toBeGreaterThanOrEqual(1);
  });
});

describe('leases held for many addresses', () => {
  it('are dropped once their window has ended, when more than 10,000 addresses hold one', async () => {
    // A real in-memory store with a three-second window stands in for Redis.
    const leases = leasedBudget(new RateLimiterMemory({ points: 1000, duration: 3 }), 1000, 10);
    for (let i = 0; i < 10_001; i++) expect(await leases.take(`198.51.${i >> 8}.${i & 255}`)).toBe(0);
    expect(leases.size).toBe(10_001);
    await new Promise((resolve) => setTimeout(resolve, 3100));
    expect(await leases.take('203.0.113.1')).toBe(0);
    expect(leases.size).toBe(1);
  });
});
