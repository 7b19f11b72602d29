import type { Redis } from 'ioredis';
import { lazyModule } from '../lib/lazy-module.js';

export type { Redis };

/** The Redis client library, loaded only by a node whose config names Redis (start-up time, issue 20). */
const ioredis = lazyModule(() => import('ioredis'));

export interface ConnectRedisOptions {
  /** How long to wait for the first `ready` before giving up (ms). */
  readyTimeoutMs?: number;
  /**
   * Receives connection errors after start-up. ioredis prints unhandled `error` events to stderr on
   * every reconnect attempt, so a listener is always attached; /readyz reports the outage anyway.
   */
  onError?: (err: Error) => void;
}

/** The URL with its password replaced, safe for logs and error messages. */
export function describeRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'redis://<unparseable url>';
  }
}

/**
 * Connects and resolves once Redis is ready. The client is tuned to fail fast while Redis is down
 * (so requests get a 503 instead of hanging behind an offline queue) and to reconnect on its own
 * with a capped backoff, so service resumes without a restart when Redis comes back.
 */
export async function connectRedis(url: string, options: ConnectRedisOptions = {}): Promise<Redis> {
  const readyTimeoutMs = options.readyTimeoutMs ?? 10_000;
  const { Redis } = await ioredis();
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 5_000,
    // A command sent to a Redis that silently stopped answering (no RST) would otherwise wait for
    // TCP keepalive; nothing in Foyer uses blocking commands, so 5 s is a safe ceiling.
    commandTimeout: 5_000,
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    // Queue only while the first connection is made; switched off after `ready` below.
    enableOfflineQueue: true,
  });
  client.on('error', (err: Error) => options.onError?.(err));

  let timer: NodeJS.Timeout | undefined;
  const ready = new Promise<void>((resolve, reject) => {
    timer = setTimeout(
      () => reject(new Error(`Redis at ${describeRedisUrl(url)} was not ready within ${readyTimeoutMs} ms`)),
      readyTimeoutMs,
    );
    client.once('ready', () => resolve());
  });
  // connect() rejects on the first failed attempt, but retryStrategy keeps trying; the ready
  // timeout is what decides, so that a Redis still starting up gets its chance.
  client.connect().catch(() => {});
  try {
    await ready;
  } catch (err) {
    client.disconnect();
    throw err;
  } finally {
    clearTimeout(timer);
  }
  client.options.enableOfflineQueue = false;
  return client;
}
