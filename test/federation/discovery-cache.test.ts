import { describe, expect, it } from 'vitest';
import { createDiscoveryCache } from '../../src/federation/discovery-cache.js';
import { FederationError } from '../../src/federation/federation-error.js';
import { Writable } from 'node:stream';
import { createLogger } from '../../src/logging/logger.js';

function harness(results: (string | Error)[]) {
  let clock = 0;
  let calls = 0;
  const cache = createDiscoveryCache(
    async () => {
      const next = results[Math.min(calls++, results.length - 1)]!;
      if (next instanceof Error) throw next;
      return next;
    },
    { idpId: 'x', displayName: 'X', logger: createLogger('silent'), ttlMs: 1000, retryAfterMs: 100, now: () => clock },
  );
  return { cache, advance: (ms: number) => (clock += ms), calls: () => calls };
}

describe('discovery cache', () => {
  it('remembers a failure for the retry window instead of asking a dead IdP on every sign-in', async () => {
    const h = harness([new TypeError('fetch failed'), 'metadata']);
    await expect(h.cache.get()).rejects.toBeInstanceOf(FederationError);
    await expect(h.cache.get()).rejects.toMatchObject({ code: 'upstream_unreachable' });
    expect(h.calls()).toBe(1);
    h.advance(100);
    await expect(h.cache.get()).resolves.toBe('metadata');
  });

  it('serves cached metadata until the TTL, then refreshes it', async () => {
    const h = harness(['v1', 'v2']);
    await h.cache.get();
    h.advance(999);
    expect(await h.cache.get()).toBe('v1');
    h.advance(1);
    expect(await h.cache.get()).toBe('v2');
  });

  it('keeps serving stale metadata when a refresh fails', async () => {
    const h = harness(['v1', new TypeError('fetch failed')]);
    await h.cache.get();
    h.advance(5000);
    expect(await h.cache.get()).toBe('v1');
    expect(await h.cache.get()).toBe('v1');
    expect(h.calls()).toBe(2);
  });

  it('shares one fetch between concurrent sign-ins, and warm() never rejects', async () => {
    const h = harness(['v1']);
    expect(await Promise.all([h.cache.get(), h.cache.get()])).toEqual(['v1', 'v1']);
    expect(h.calls()).toBe(1);
    await expect(harness([new Error('down')]).cache.warm()).resolves.toBeUndefined();
  });

  it('says at start that an unreachable IdP recovers by itself, and it does at the next sign-in after the retry window', async () => {
    const lines: { msg: string; idpId?: string }[] = [];
    const sink = new Writable({ write: (chunk: Buffer, _enc, done) => (chunk.toString().split('\n').filter(Boolean).forEach((l) => lines.push(JSON.parse(l) as { msg: string })), done()) });
    let clock = 0;
    let up = false;
    const cache = createDiscoveryCache(
      async () => {
        if (!up) throw new TypeError('fetch failed');
        return 'metadata';
      },
      { idpId: 'partner', displayName: 'Partner', logger: createLogger('info', sink), retryAfterMs: 10_000, now: () => clock },
    );
    await cache.warm();
    await new Promise((r) => setImmediate(r));
    expect(lines.map((l) => l.msg)).toContain(
      'identity provider unreachable at start: Foyer runs on, and fetches its discovery again at the next sign-in with it (no restart needed); until then that IdP answers upstream_unreachable',
    );
    up = true;
    await expect(cache.get()).rejects.toMatchObject({ code: 'upstream_unreachable' });
    clock += 10_000;
    await expect(cache.get()).resolves.toBe('metadata');
  });
});
