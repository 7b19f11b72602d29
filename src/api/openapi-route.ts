import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Router } from '@koa/router';
import { projectRoot } from '../lib/project-root.js';

export const OPENAPI_FILE = join(projectRoot, 'docs', 'openapi.yaml');

/** The API's OpenAPI document, the same file that is kept in the repository (docs/openapi.yaml). */
export async function openapiRoute(): Promise<Router> {
  const document = await readFile(OPENAPI_FILE, 'utf8');
  const router = new Router();
  router.get('/openapi.yaml', (ctx) => {
    ctx.type = 'application/yaml';
    ctx.set('Cache-Control', 'public, max-age=300');
    ctx.body = document;
  });
  return router;
}
