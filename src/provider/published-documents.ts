import { createHash } from 'node:crypto';
import type { Context, Middleware } from 'koa';
import { onlyWhere } from '../http/only-where.js';

/** oidc-provider's routes for the two documents every app and API fetches, and their route labels. */
const DOCUMENTS = new Set(['/jwks', '/.well-known/openid-configuration']);
/** Origins (Host headers) remembered per document: the real ones are one or two; the rest is served uncached. */
const MAX_ORIGINS = 8;

interface Document {
  body: Buffer;
  type: string;
  etag: string;
}

export interface PublishedDocuments {
  middleware: Middleware;
  /** Forgets every built document (the signing keys changed); the next request builds it again. */
  invalidate(): void;
}

/**
 * Serves `/jwks` and discovery from a body built once, with an ETag and conditional GET (304).
 * oidc-provider builds both on every request; apps and APIs fetch them often, and these answers
 * only change when the signing keys rotate (invalidate(), called by wire-provider) or the config
 * changes (a reload builds a new composition, with a new cache). The first request for each
 * document goes through oidc-provider as before and its answer is kept: so the cached body is
 * exactly what oidc-provider (and anything Foyer adds on the way out) answered. Discovery's URLs
 * follow the request's origin (oidc-provider builds them from it), so the cache is per origin.
 * The CORS headers are the ones oidc-provider sets on these routes (open to any origin).
 */
export function publishedDocuments(): PublishedDocuments {
  let built = new Map<string, Document>();
  const middleware: Middleware = onlyWhere((ctx) => (ctx.method === 'GET' || ctx.method === 'HEAD') && DOCUMENTS.has(ctx.path), async (ctx, next) => {
    const key = `${ctx.path} ${ctx.origin}`;
    const cache = built;
    const known = cache.get(key);
    if (known) return serve(ctx, known);
    await next();
    if (ctx.status !== 200 || ctx.body == null || typeof ctx.body !== 'object' || Buffer.isBuffer(ctx.body)) return;
    const body = Buffer.from(JSON.stringify(ctx.body));
    const doc: Document = { body, type: ctx.response.get('Content-Type') || 'application/json; charset=utf-8', etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
    // A rotation during this request may have replaced the map: keep the document out of the new one.
    if (cache === built && (cache.size < DOCUMENTS.size * MAX_ORIGINS || cache.has(key))) cache.set(key, doc);
    serveBody(ctx, doc);
  });
  return {
    middleware,
    invalidate() {
      built = new Map();
    },
  };
}

function serve(ctx: Context, doc: Document): void {
  // The route label metrics and logs read (oidc-provider's router sets the same for these paths).
  (ctx as Context & { _matchedRoute?: string })._matchedRoute = ctx.path;
  ctx.vary('Origin');
  ctx.set('Access-Control-Allow-Origin', ctx.get('Origin') || '*');
  serveBody(ctx, doc);
}

function serveBody(ctx: Context, doc: Document): void {
  ctx.status = 200;
  ctx.set('ETag', doc.etag);
  ctx.type = doc.type;
  // Koa's `fresh` compares If-None-Match with the ETag just set (GET and HEAD, 2xx only).
  if (ctx.fresh) {
    ctx.status = 304;
    return;
  }
  ctx.body = doc.body;
}
