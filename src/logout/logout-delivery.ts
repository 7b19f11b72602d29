import type Provider from 'oidc-provider';
import { Counter, Gauge, type Registry } from 'prom-client';
import { registeredOnce } from '../ops/metrics.js';
import type { Logger } from '../logging/logger.js';
import type { LogoutQueue } from './logout-queue.js';

/** oidc-provider's Client with its back-channel logout members (untyped in @types/oidc-provider). */
interface BackchannelClient {
  backchannelLogoutUri?: string;
  backchannelLogout(sub: string, sid: string): Promise<void>;
}

export interface DeliveryRun {
  delivered: number;
  failed: number;
  gaveUp: number;
  dropped: number;
}

export interface LogoutDelivery {
  /** Sends every due logout token once; `now` is the clock (tests move it to make a retry due). */
  deliverDue(now?: Date): Promise<DeliveryRun>;
  /** Counts oidc-provider's own deliveries at sign-out (`backchannel.success` / `.error`). */
  count(result: 'delivered' | 'failed'): void;
}

/**
 * Delivers queued logout tokens through oidc-provider's own `client.backchannelLogout(sub, sid)`,
 * which signs the token with the ID token keys (iss, aud = the app, iat, jti, events, sid) and
 * POSTs it; anything but 200/204 (or no answer within 2.5 s) is a failure, retried with backoff.
 * Runs are serialised on this node, so a run asked for while the scheduler's is going waits for it.
 */
export function createLogoutDelivery(deps: { provider: Provider; queue: LogoutQueue; logger: Logger; registry: Registry }): LogoutDelivery {
  const { provider, queue, logger } = deps;
  const results = registeredOnce(deps.registry, 'foyer_backchannel_logout_deliveries_total', () => new Counter({
    name: 'foyer_backchannel_logout_deliveries_total',
    help: 'Back-channel logout tokens sent to apps, by result: delivered, failed (retried later), given_up (retries ran out), dropped (the app left config).',
    labelNames: ['result'] as const,
    registers: [deps.registry],
  }));
  // The first composition's gauge stays registered; its queue reads the node's one database.
  registeredOnce(deps.registry, 'foyer_backchannel_logout_queue', () => new Gauge({
    name: 'foyer_backchannel_logout_queue',
    help: 'Back-channel logout deliveries in the queue: pending (waiting or being retried) and given_up.',
    labelNames: ['state'] as const,
    registers: [deps.registry],
    async collect() {
      // A scrape while the database is down still answers (the storage-error metrics say why); this gauge is then absent.
      this.reset();
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), 2000);
      });
      const counts = await Promise.race([queue.counts(), timeout])
        .catch(() => undefined)
        .finally(() => clearTimeout(timer));
      if (!counts) return;
      this.set({ state: 'pending' }, counts.pending);
      this.set({ state: 'given_up' }, counts.givenUp);
    },
  }));

  async function run(now: Date): Promise<DeliveryRun> {
    const out: DeliveryRun = { delivered: 0, failed: 0, gaveUp: 0, dropped: 0 };
    await queue.purgeDelivered(now);
    for (const delivery of await queue.claimDue(now)) {
      const client = (await provider.Client.find(delivery.clientId)) as BackchannelClient | undefined;
      if (!client?.backchannelLogoutUri) {
        await queue.drop(delivery.id);
        results.inc({ result: 'dropped' });
        out.dropped++;
        continue;
      }
      try {
        await client.backchannelLogout(delivery.accountId, delivery.sid ?? '');
        await queue.delivered(delivery.id, now);
        results.inc({ result: 'delivered' });
        out.delivered++;
      } catch (err) {
        const message = err instanceof Error ? (err.cause instanceof Error ? `${err.message}: ${err.cause.message}` : err.message) : String(err);
        const { gaveUp } = await queue.failed(delivery, message, now);
        results.inc({ result: gaveUp ? 'given_up' : 'failed' });
        if (gaveUp) out.gaveUp++;
        else out.failed++;
        logger[gaveUp ? 'error' : 'warn'](
          { clientId: delivery.clientId, attempts: delivery.attempts + 1, err: message },
          gaveUp ? 'back-channel logout: gave up telling the app about a sign-out' : 'back-channel logout: the app did not accept the logout token; retrying later',
        );
      }
    }
    return out;
  }

  let last: Promise<unknown> = Promise.resolve();
  return {
    deliverDue(now = new Date()) {
      const next = last.then(() => run(now));
      last = next.catch(() => {});
      return next;
    },
    count(result) {
      results.inc({ result });
    },
  };
}
