/** Operations (src/ops/): `/healthz`, `/readyz` (database and Redis reachable) and Prometheus `/metrics`. */
import type { Feature } from '../core/feature.js';
import type { SharedServices } from '../core/shared-services.js';
import { healthRoutes } from './health-routes.js';

export function wireOperations(shared: SharedServices): Feature {
  const { config } = shared;
  return {
    routers: [
      healthRoutes({ db: shared.db, redis: shared.redis, isShuttingDown: shared.isShuttingDown, configVersion: config.version }),
      ...(config.server.metrics ? [shared.metrics.routes({ token: config.server.metricsToken })] : []),
    ],
  };
}
