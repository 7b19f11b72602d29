import { createHmac, randomUUID } from 'node:crypto';
import { connectRedis, type Redis } from '../db/redis.js';
import type { Logger } from '../logging/logger.js';
import type { ReloadReport } from './config-reloader.js';

const REQUEST_ID = /^[A-Za-z0-9-]{1,64}$/;

/**
 * The Redis pub/sub channel `foyer config reload` asks every node of one deployment on. Named for
 * the issuer, like the shared request budgets, so deployments sharing one Redis do not hear each
 * other. A request carries only an id to answer to: each node reads its own config file.
 */
export function reloadChannel(issuer: string): string {
  return `foyer:config-reload:${createHmac('sha256', 'foyer-config-reload').update(issuer).digest('hex').slice(0, 12)}`;
}

const replyChannel = (issuer: string, id: string) => `${reloadChannel(issuer)}:reply:${id}`;

/** Node side: on each request, reload and publish this node's report to the requester. */
export async function listenForReloadRequests(
  redisUrl: string,
  issuer: string,
  deps: { redis: Redis; logger: Logger; reload(): Promise<ReloadReport> },
): Promise<{ close(): Promise<void> }> {
  // A connection in subscriber mode can send nothing else: the node's own client answers.
  const subscriber = await connectRedis(redisUrl, { onError: (err) => deps.logger.warn({ err: err.message }, 'redis connection error (config reload channel)') });
  subscriber.on('message', (_channel: string, message: string) => {
    const id = requestIdOf(message);
    if (!id) return;
    void deps
      .reload()
      .then((report) => deps.redis.publish(replyChannel(issuer, id), JSON.stringify(report)))
      .catch((err: unknown) => deps.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not answer a config reload request'));
  });
  await subscriber.subscribe(reloadChannel(issuer));
  return {
    async close() {
      await subscriber.quit().catch(() => subscriber.disconnect());
    },
  };
}

/**
 * CLI side: asks every node listening for `issuer` to reload, and collects their reports. Redis
 * says how many subscribers got the request, so this waits for exactly that many answers (or
 * `timeoutMs`, after which the silent nodes are counted as missing).
 */
export async function requestReload(redisUrl: string, issuer: string, timeoutMs: number): Promise<{ asked: number; reports: ReloadReport[] }> {
  const id = randomUUID();
  const publisher = await connectRedis(redisUrl);
  const subscriber = await connectRedis(redisUrl);
  try {
    const reports: ReloadReport[] = [];
    let expected = Infinity;
    let done: () => void = () => {};
    const complete = new Promise<void>((resolve) => (done = resolve));
    subscriber.on('message', (_channel: string, message: string) => {
      const report = reportOf(message);
      if (report) reports.push(report);
      if (reports.length >= expected) done();
    });
    await subscriber.subscribe(replyChannel(issuer, id));
    expected = await publisher.publish(reloadChannel(issuer), JSON.stringify({ id }));
    if (reports.length >= expected) done();
    const timer = setTimeout(done, timeoutMs);
    await complete;
    clearTimeout(timer);
    return { asked: expected, reports };
  } finally {
    await Promise.all([subscriber.quit().catch(() => subscriber.disconnect()), publisher.quit().catch(() => publisher.disconnect())]);
  }
}

function requestIdOf(message: string): string | undefined {
  try {
    const id = (JSON.parse(message) as { id?: unknown }).id;
    return typeof id === 'string' && REQUEST_ID.test(id) ? id : undefined;
  } catch {
    return undefined;
  }
}

function reportOf(message: string): ReloadReport | undefined {
  try {
    const r = JSON.parse(message) as Partial<ReloadReport>;
    if (typeof r.node !== 'string' || typeof r.result !== 'string' || typeof r.version !== 'string') return undefined;
    return { node: r.node, result: r.result, version: r.version, fileVersion: r.fileVersion, problems: Array.isArray(r.problems) ? r.problems.map(String) : [] };
  } catch {
    return undefined;
  }
}
