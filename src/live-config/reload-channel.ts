import { createHmac, randomUUID } from 'node:crypto';
import { connectRedis, type Redis } from '../db/redis.js';
import type { Logger } from '../logging/logger.js';
import type { Metrics } from '../ops/metrics.js';
import type { ReloadReport } from './config-reloader.js';
import { REQUEST_MAX_AGE_MS, reloadRequestKey, signReloadRequest, verifyReloadRequest, type RefusedReason } from './reload-request-signature.js';

/**
 * The Redis pub/sub channel `foyer config reload` asks every node of one deployment on. Named for
 * the issuer, like the shared request budgets, so deployments sharing one Redis do not hear each
 * other. A request carries only an id to answer to, a timestamp and its signature
 * (reload-request-signature.ts): each node reads its own config file.
 */
export function reloadChannel(issuer: string): string {
  return `foyer:config-reload:${createHmac('sha256', 'foyer-config-reload').update(issuer).digest('hex').slice(0, 12)}`;
}

const replyChannel = (issuer: string, id: string) => `${reloadChannel(issuer)}:reply:${id}`;

/** Requests within this long of the first one in a burst share one reload (and its report). */
export const COALESCE_WINDOW_MS = 250;

export interface ReloadListenerDeps {
  redis: Redis;
  logger: Logger;
  metrics: Pick<Metrics, 'configReloadRequestRefused'>;
  /** The cookie secrets the nodes share now (newest first): requests are signed with a key derived from one. */
  cookieKeys(): string[];
  reload(): Promise<ReloadReport>;
  /** Wall-clock milliseconds (not the lifecycle clock tests move): the CLI stamps requests with its own. */
  now?: () => number;
  coalesceWindowMs?: number;
}

/**
 * Node side: on each authentic, recent, first-seen request, reload and publish this node's report
 * to the requester. Anything else is dropped with a log line and a metric: whoever can publish to
 * Redis cannot make the nodes reload (and audit) at will. Requests arriving together share one
 * reload, so a burst costs one rebuild.
 */
export async function listenForReloadRequests(redisUrl: string, issuer: string, deps: ReloadListenerDeps): Promise<{ close(): Promise<void> }> {
  const channel = reloadChannel(issuer);
  const now = deps.now ?? Date.now;
  const windowMs = deps.coalesceWindowMs ?? COALESCE_WINDOW_MS;
  // Ids seen within the accepted age: a replayed request is refused even while its timestamp is fresh.
  const seen = new Map<string, number>();
  let batch: string[] | undefined;
  let timer: NodeJS.Timeout | undefined;

  const refuse = (reason: RefusedReason) => {
    deps.metrics.configReloadRequestRefused(reason);
    deps.logger.warn({ reason, channel }, `config reload request refused (${reason}): only a request signed with the deployment's key and made in the last ${REQUEST_MAX_AGE_MS / 1000} s is acted on`);
  };
  const answer = (ids: string[]) =>
    deps
      .reload()
      .then((report) => Promise.all(ids.map((id) => deps.redis.publish(replyChannel(issuer, id), JSON.stringify(report)))))
      .catch((err: unknown) => deps.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not answer a config reload request'));

  // A connection in subscriber mode can send nothing else: the node's own client answers.
  const subscriber = await connectRedis(redisUrl, { onError: (err) => deps.logger.warn({ err: err.message }, 'redis connection error (config reload channel)') });
  subscriber.on('message', (_channel: string, message: string) => {
    const at = now();
    const checked = verifyReloadRequest(message, { channel, keys: deps.cookieKeys().map(reloadRequestKey), now: at });
    if (!checked.ok) return refuse(checked.reason);
    for (const [id, expires] of seen) if (expires < at) seen.delete(id);
    if (seen.has(checked.id)) return refuse('replayed');
    seen.set(checked.id, checked.at + 2 * REQUEST_MAX_AGE_MS);
    if (batch) return void batch.push(checked.id);
    const ids = (batch = [checked.id]);
    timer = setTimeout(() => {
      batch = timer = undefined;
      void answer(ids);
    }, windowMs);
  });
  await subscriber.subscribe(channel);
  return {
    async close() {
      if (timer) clearTimeout(timer);
      await subscriber.quit().catch(() => subscriber.disconnect());
    },
  };
}

/**
 * CLI side: asks every node listening for `issuer` to reload, and collects their reports. Redis
 * says how many subscribers got the request, so this waits for exactly that many answers (or
 * `timeoutMs`, after which the silent nodes are counted as missing).
 */
export async function requestReload(redisUrl: string, issuer: string, timeoutMs: number, signingKey: Buffer): Promise<{ asked: number; reports: ReloadReport[] }> {
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
    expected = await publisher.publish(reloadChannel(issuer), JSON.stringify(signReloadRequest(signingKey, reloadChannel(issuer), id, Date.now())));
    if (reports.length >= expected) done();
    const timer = setTimeout(done, timeoutMs);
    await complete;
    clearTimeout(timer);
    return { asked: expected, reports };
  } finally {
    await Promise.all([subscriber.quit().catch(() => subscriber.disconnect()), publisher.quit().catch(() => publisher.disconnect())]);
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
