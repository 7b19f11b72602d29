import type { RequestListener } from 'node:http';
import type Provider from 'oidc-provider';
import type { Router } from '@koa/router';
import { errorResponder } from '../http/error-handler.js';
import { mountRouters } from '../http/mount-routers.js';
import { requestEdge } from '../http/request-edge.js';
import type { Feature } from './feature.js';
import type { SharedServices } from './shared-services.js';

/**
 * Mounts the features on the provider in the order given: first what every request gets (request
 * id, security headers, the error answer, its log line and metrics), then each feature's middleware,
 * then the routers (oidc-provider's own routes answer what none of them matches). Starts the jobs,
 * and returns the request listener the node's server hands requests to (node-server.ts).
 */
export function mountFeatures(shared: SharedServices, provider: Provider, features: Feature[]): RequestListener {
  const { logger, renderer } = shared;
  provider.use(requestEdge({ requestLog: shared.requestLog, observe: shared.metrics.observeRequest, respondToError: errorResponder(logger, renderer), isShuttingDown: shared.isShuttingDown, hsts: shared.secureCookies }));
  for (const middleware of features.flatMap((f) => f.middleware ?? [])) provider.use(middleware);
  provider.use(mountRouters(features.flatMap((f): Router[] => f.routers ?? [])));
  shared.scheduler.start(features.flatMap((f) => f.jobs ?? []));
  return provider.callback();
}
