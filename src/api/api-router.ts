import { Router } from '@koa/router';
import type { Middleware } from 'koa';
import { parseBodies } from '../http/body-parser.js';
import { HttpError } from '../http/http-error.js';

/**
 * Everything under /v1.0: bodies parsed with small limits, a bearer token required, then the
 * resource routers. Unknown paths answer Graph's 404 shape rather than falling through.
 */
export function apiRouter(auth: Middleware, resources: Router[]): Router {
  const router = new Router({ prefix: '/v1.0' });
  router.use(parseBodies(), auth);
  for (const r of resources) router.use(r.routes(), r.allowedMethods({ throw: true }));
  router.all('/{*rest}', () => {
    throw new HttpError(404, 'Request_ResourceNotFound', 'No such API resource. See /openapi.yaml for the routes.');
  });
  return router;
}
