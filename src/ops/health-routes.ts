import { Router } from '@koa/router';
import type { Redis } from 'ioredis';
import type { Database } from '../db/connect.js';

const CHECK_TIMEOUT_MS = 2000;

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function probe(name: string, fn: () => Promise<unknown>): Promise<{ name: string; ok: boolean; error?: string }> {
  try {
    await withTimeout(fn(), name);
    return { name, ok: true };
  } catch (err) {
    // The error message only: driver errors can embed connection strings in other fields.
    return { name, ok: false, error: err instanceof Error ? err.message.replace(/\/\/[^@\s]*@/g, '//***@') : 'unreachable' };
  }
}

/**
 * `/healthz`: the process answers. `/readyz`: it can serve, i.e. its database and Redis answer; both
 * name the config version it serves (a hash of the files: `foyer config check` prints the same), so
 * an operator sees which nodes took a reload.
 */
export function healthRoutes(deps: { db: Database; redis?: Redis; isShuttingDown: () => boolean; configVersion: string }): Router {
  const router = new Router();
  router.get('/healthz', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { status: 'ok', configVersion: deps.configVersion };
  });
  router.get('/readyz', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    const checks = await Promise.all([
      probe('database', () => deps.db.raw('select 1')),
      ...(deps.redis ? [probe('redis', () => deps.redis!.ping())] : []),
    ]);
    const ready = !deps.isShuttingDown() && checks.every((c) => c.ok);
    ctx.status = ready ? 200 : 503;
    ctx.body = { status: ready ? 'ready' : 'not ready', shuttingDown: deps.isShuttingDown(), configVersion: deps.configVersion, checks };
  });
  return router;
}
