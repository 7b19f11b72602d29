import type { RequestListener } from 'node:http';
import type { FoyerConfig } from '../config/schema.js';
import type { NodeServices } from '../core/node-services.js';
import { sharedServicesFor, type SharedServices } from '../core/shared-services.js';
import { createConfigReloader, type Built, type ReloadReport, type ReloadTrigger } from './config-reloader.js';
import { createGenerations } from './generations.js';
import { listenForReloadRequests } from './reload-channel.js';

/** What the composition root builds from one config's services. */
export interface Composition {
  handler: RequestListener;
  /** Waits for work a request started and left running after its answer (mail sent after the response). */
  settled?(): Promise<void>;
}

export interface LiveConfig<C extends Composition> {
  /** The composition serving now, with its config and services. */
  current(): Built<C>;
  /** The HTTP server's listener (node-server.ts). */
  dispatch: RequestListener;
  /** Re-reads the config file and applies it, or keeps the running one and says why. */
  reload(trigger: ReloadTrigger): Promise<ReloadReport>;
  /** Stops listening for reload requests and releases the serving composition (after the server closed). */
  close(): Promise<void>;
}

/**
 * A node's config, changeable while it runs (docs/operations.md, "Changing the config"): the
 * composition is built from the first config, and built again for each valid reload on the same
 * node services (storage, keys); with Redis, every node listens for `foyer config reload`.
 */
export async function startLiveConfig<C extends Composition>(
  node: NodeServices,
  config: FoyerConfig,
  compose: (shared: SharedServices) => Promise<C>,
  readConfig: () => FoyerConfig,
): Promise<LiveConfig<C>> {
  const build = async (cfg: FoyerConfig): Promise<Built<C>> => {
    const shared = sharedServicesFor(node, cfg);
    try {
      const composition = await compose(shared);
      return {
        config: cfg,
        shared,
        composition,
        handler: composition.handler,
        async release() {
          await composition.settled?.();
          await shared.release();
        },
      };
    } catch (err) {
      await shared.release();
      throw err;
    }
  };
  const generations = createGenerations(await build(config));
  node.metrics.configLoaded(config);
  const reloader = createConfigReloader({ node, generations, readConfig, build });
  let channel: { close(): Promise<void> } | undefined;
  try {
    if (node.redis && config.storage.redisUrl) channel = await listenForReloadRequests(config.storage.redisUrl, config.issuer, {
        redis: node.redis,
        logger: node.logger,
        metrics: node.metrics,
        cookieKeys: () => node.keys.current().cookieKeys,
        reload: () => reloader.reload('foyer config reload'),
      });
  } catch (err) {
    await generations.close();
    throw err;
  }
  return {
    current: () => generations.current(),
    dispatch: generations.dispatch,
    reload: (trigger) => reloader.reload(trigger),
    async close() {
      await channel?.close();
      await generations.close();
    },
  };
}
