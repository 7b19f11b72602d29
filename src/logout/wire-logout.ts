/**
 * Apps hear about sign-outs (src/logout/): OIDC back-channel logout for apps that register a
 * `backchannelLogoutUri`. At sign-out oidc-provider sends the logout tokens itself; one that fails
 * is queued here for retry. When an admin, the CLI or the guest ends the sessions (disable, delete,
 * leave the organisation, revoke sessions), the directory queues them (notify-apps.ts) and this
 * feature's job delivers them from the durable queue, retrying while an app is down.
 */
import type Provider from 'oidc-provider';
import type { Feature } from '../core/feature.js';
import type { SharedServices } from '../core/shared-services.js';
import { createLogoutDelivery, type LogoutDelivery } from './logout-delivery.js';
import { LogoutQueue } from './logout-queue.js';

/** How often each node looks for due deliveries: a disabled user's apps hear of it within seconds. */
const DELIVERY_INTERVAL_MS = 5_000;

export function wireLogout(shared: SharedServices, deps: { provider: Provider }): { feature: Feature; delivery: LogoutDelivery } {
  const { db, logger, metrics } = shared;
  const queue = new LogoutQueue(db);
  const delivery = createLogoutDelivery({ provider: deps.provider, queue, logger, registry: metrics.registry });

  deps.provider.on('backchannel.success', () => delivery.count('delivered'));
  deps.provider.on('backchannel.error', (_ctx: unknown, err: Error, client: { clientId: string }, accountId: string, sid: string) => {
    delivery.count('failed');
    queue.enqueueRetry({ clientId: client.clientId, accountId, sid }, 'signOut', err.message).catch((e: unknown) => {
      logger.error({ clientId: client.clientId, err: e instanceof Error ? e.message : String(e) }, 'back-channel logout: could not queue a failed delivery for retry');
    });
  });

  return {
    feature: { jobs: [{ name: 'backchannel-logout', everyMs: DELIVERY_INTERVAL_MS, run: () => delivery.deliverDue() }] },
    delivery,
  };
}
