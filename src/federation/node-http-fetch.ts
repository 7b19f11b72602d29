import http from 'node:http';
import https from 'node:https';
import type { CustomFetch } from 'openid-client';

/** Upstream answers Foyer reads (discovery, JWKS, token, userinfo) are small; anything larger is refused. */
export const MAX_UPSTREAM_RESPONSE_BYTES = 1024 * 1024;

// Kept-alive connections to each upstream, so a sign-in's code exchange reuses one.
const agents = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: 64 }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: 64 }),
};

/** Statuses whose responses have no body (a Response with one cannot be constructed). */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/**
 * openid-client's outbound requests (discovery, JWKS, code exchange, userinfo) over node:http
 * instead of Node 20's fetch, which costs about 1 ms more CPU per request (docs/benchmarks.md); the
 * code exchange is on every federated sign-in. It behaves like fetch where openid-client and
 * Foyer's error mapping look: redirects are not followed (openid-client asks for `manual`), a
 * network failure rejects with `TypeError('fetch failed')` carrying the socket error as `cause`,
 * and an aborted signal rejects with the signal's reason (a TimeoutError for openid-client's
 * timeouts).
 */
export const nodeHttpFetch: CustomFetch = (url, options) =>
  new Promise<Response>((resolve, reject) => {
    const { signal } = options;
    if (signal?.aborted) return reject(signal.reason);
    const target = new URL(url);
    const agent = agents[target.protocol as keyof typeof agents];
    if (!agent) return reject(new TypeError('fetch failed', { cause: new Error(`unsupported protocol ${target.protocol}`) }));
    const body = requestBody(options.body);
    const headers: Record<string, string | number> = { ...options.headers };
    if (body !== undefined) headers['content-length'] = body.byteLength;

    const req = (target.protocol === 'https:' ? https : http).request(target, { method: options.method, headers, agent });
    const onAbort = () => req.destroy(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
    signal?.addEventListener('abort', onAbort, { once: true });
    const settle = () => signal?.removeEventListener('abort', onAbort);

    const fail = (err: Error) => {
      settle();
      reject(signal?.aborted ? signal.reason : new TypeError('fetch failed', { cause: err }));
    };
    req.on('error', fail);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_UPSTREAM_RESPONSE_BYTES) {
          req.destroy(new Error(`the response is larger than ${MAX_UPSTREAM_RESPONSE_BYTES} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      // A connection lost in the middle of the body is reported here, not on the request.
      res.on('error', fail);
      res.on('end', () => {
        settle();
        const status = res.statusCode ?? 0;
        const responseHeaders = new Headers();
        for (const [name, value] of Object.entries(res.headers)) {
          for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value]) responseHeaders.append(name, v);
        }
        try {
          resolve(new Response(NULL_BODY.has(status) ? null : Buffer.concat(chunks), { status, statusText: res.statusMessage, headers: responseHeaders }));
        } catch (err) {
          // A status fetch itself would not surface (outside 200-599).
          reject(new TypeError('fetch failed', { cause: err }));
        }
      });
    });
    req.end(body);
  });

function requestBody(body: Parameters<CustomFetch>[1]['body']): Buffer | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return Buffer.from(body);
  if (body instanceof URLSearchParams) return Buffer.from(body.toString());
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  throw new TypeError('a streamed request body is not supported');
}
