import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type Provider from 'oidc-provider';
import type { Router } from '@koa/router';
import { errorResponder } from '../http/error-handler.js';
import { mountRouters } from '../http/mount-routers.js';
import { requestEdge } from '../http/request-edge.js';
import type { Feature } from './feature.js';
import type { SharedServices } from './shared-services.js';

/** A running node: the provider (which is the Koa app) with every feature mounted, and its lifecycle. */
export interface FoyerNode {
  provider: Provider;
  /** Starts listening; resolves with the bound port (useful with port 0 in tests). */
  listen(port?: number, host?: string): Promise<{ server: Server; port: number }>;
  /** Stops accepting requests, lets in-flight ones finish (up to the grace period), stops the jobs, closes storage. */
  close(): Promise<void>;
}

/**
 * Mounts the features on the provider in the order given: first what every request gets (request
 * id, security headers, the error answer, its log line and metrics), then each feature's middleware,
 * then the routers (oidc-provider's own routes answer what none of them matches). Starts the jobs.
 */
export function startNode(shared: SharedServices, provider: Provider, features: Feature[]): FoyerNode {
  const { config, logger, renderer } = shared;
  provider.use(requestEdge({ requestLog: shared.requestLog, observe: shared.metrics.observeRequest, respondToError: errorResponder(logger, renderer), isShuttingDown: shared.isShuttingDown, hsts: shared.secureCookies }));
  for (const middleware of features.flatMap((f) => f.middleware ?? [])) provider.use(middleware);
  provider.use(mountRouters(features.flatMap((f): Router[] => f.routers ?? [])));
  shared.scheduler.start(features.flatMap((f) => f.jobs ?? []));

  let server: Server | undefined;
  return {
    provider,
    listen(port = config.server.port, host = config.server.host) {
      server = createServer({ maxHeaderSize: 16 * 1024, requestTimeout: 30_000, headersTimeout: 10_000 }, provider.callback());
      server.keepAliveTimeout = 5_000;
      const s = server;
      return new Promise((resolve, reject) => {
        s.once('error', reject);
        s.listen(port, host, () => resolve({ server: s, port: (s.address() as AddressInfo).port }));
      });
    },
    async close() {
      shared.beginShutdown();
      if (server) {
        const s = server;
        const closed = new Promise<void>((resolve) => s.close(() => resolve()));
        s.closeIdleConnections();
        const grace = new Promise<void>((resolve) => setTimeout(resolve, config.server.shutdownGraceSeconds * 1000).unref());
        await Promise.race([closed, grace]);
        s.closeAllConnections();
      }
      await shared.scheduler.stop();
      await shared.close();
    },
  };
}
