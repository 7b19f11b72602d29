import { RateLimiterRes, type RateLimiterAbstract } from './rate-limiter-classes.js';

/**
 * Large shared budgets (the token endpoint's 1,200 requests a minute per address) would otherwise
 * cost one Redis round trip per request. Instead a node takes a lease of several points in one
 * round trip and spends it locally until it is used up or the shared window ends.
 *
 * Every request a node allows was counted in Redis first, so an address never gets more than the
 * budget across all nodes. The cost runs the other way: points leased by one node and not yet
 * spent are unavailable to the others, so an address spread over N nodes can be refused up to
 * N × (lease − 1) requests early. When a lease is refused because the window is nearly spent, the
 * node still gets the points that were left before its lease was counted.
 */
interface Lease {
  /** Points this node may still spend; 0 with `refused`: the window's budget is spent. */
  left: number;
  refused: boolean;
  /** When the shared window this lease belongs to ends (ms since the epoch). */
  until: number;
}

/**
 * Above this many addresses with a lease, expired leases are dropped before a new one is added, at
 * most once a second: a flood of new addresses must not make every new lease scan the whole map.
 */
const SWEEP_ABOVE = 10_000;
const SWEEP_EVERY_MS = 1000;

export interface LeasedBudget {
  /** Resolves with 0 when the request may go ahead, else the milliseconds before the window ends. */
  take(key: string): Promise<number>;
  /**
   * `take` without waiting, when the node's lease decides: 0 (spent a point), the milliseconds
   * before the window ends (refused), or undefined when a lease must be taken first (call `take`).
   */
  takeNow(key: string): number | undefined;
  /** How many addresses this node holds a lease or a refusal for (bounded by the sweep). */
  readonly size: number;
}

export function leasedBudget(shared: RateLimiterAbstract, points: number, leaseSize: number): LeasedBudget {
  const leases = new Map<string, Lease>();
  // One lease request per key at a time: concurrent requests of one address wait for it instead of
  // each leasing points of their own that the node would then leave unspent.
  const leasing = new Map<string, Promise<void>>();

  /** 0: spent one point of the lease; > 0: refused for that many ms; undefined: a lease is needed. */
  const spend = (key: string, now: number): number | undefined => {
    const lease = leases.get(key);
    if (!lease || now >= lease.until) return undefined;
    // Over budget until the shared window ends: refused here without asking the store again.
    if (lease.refused) return lease.until - now;
    if (lease.left <= 0) return undefined;
    lease.left -= 1;
    return 0;
  };

  let nextSweepAt = 0;
  const sweep = (now: number) => {
    if (leases.size < SWEEP_ABOVE || now < nextSweepAt) return;
    nextSweepAt = now + SWEEP_EVERY_MS;
    for (const [key, lease] of leases) if (now >= lease.until) leases.delete(key);
  };

  /** Takes a lease from the shared store and records it (or the refusal) for `spend`. */
  const takeLease = async (key: string): Promise<void> => {
    sweep(Date.now());
    try {
      const res = await shared.consume(key, leaseSize);
      const now = Date.now();
      leases.set(key, { left: leaseSize, refused: false, until: now + res.msBeforeNext });
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) throw err;
      // The store counted the whole lease; what was left before it is still this node's to spend.
      const leftBefore = points - (err.consumedPoints - leaseSize);
      const until = Date.now() + err.msBeforeNext;
      leases.set(key, { left: Math.max(0, Math.min(leftBefore, leaseSize)), refused: leftBefore <= 0, until });
    }
  };

  const take = async (key: string): Promise<number> => {
    for (;;) {
      const spent = spend(key, Date.now());
      if (spent !== undefined) return spent;
      let pending = leasing.get(key);
      if (!pending) {
        pending = takeLease(key).finally(() => leasing.delete(key));
        leasing.set(key, pending);
      }
      // A store failure reaches every waiter; the caller decides what an uncountable request gets.
      await pending;
    }
  };

  return {
    take,
    takeNow: (key) => spend(key, Date.now()),
    get size() {
      return leases.size;
    },
  };
}
