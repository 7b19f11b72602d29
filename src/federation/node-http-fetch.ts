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
 *
 * A kept-alive connection the IdP closed while it sat idle (its keep-alive timeout, 5 s for Node and
 * Apache) can still be handed out by the agent when Foyer's event loop is busy and has not read the
 * FIN yet: the request is then lost without an answer ("socket hang up", ECONNRESET). Under load this
 * failed guest sign-ins at the code exchange with a 502 (docs/benchmarks.md, "Failed sign-ins under
 * load"). Such a request is sent once more, on a new connection, as browsers and undici do: only
 * when the failed connection was a reused one and no byte of an answer came back, so the IdP either
 * never read it or cannot have answered it. The IdP still decides alone whether a code is used up (a
 * second exchange of one code is refused there), and a failure on a fresh connection is reported.
 */
export const nodeHttpFetch: CustomFetch = async (url, options) => {
  try {
    return await send(url, options, 'pooled');
  } catch (err) {
    if (!(err instanceof StaleConnectionError) || options.signal?.aborted) throw unwrap(err);
    return send(url, options, 'fresh').catch((again: unknown) => Promise.reject(unwrap(again)));
  }
};

/** A request lost on a reused kept-alive connection before any answer (carries the fetch-like error). */
class StaleConnectionError extends Error {
  constructor(readonly failure: unknown) {
    super('kept-alive connection closed by the peer');
  }
}

const unwrap = (err: unknown) => (err instanceof StaleConnectionError ? err.failure : err);

/** Connection errors that mean the peer closed the socket under the request (a half-written request gets EPIPE). */
const CLOSED_BY_PEER = new Set(['ECONNRESET', 'EPIPE']);

function send(url: string, options: Parameters<CustomFetch>[1], connection: 'pooled' | 'fresh'): Promise<Response> {
  return new Promise<Response>((resolve, reject) => {
    const { signal } = options;
    if (signal?.aborted) return reject(signal.reason);
    const target = new URL(url);
    const agent = agents[target.protocol as keyof typeof agents];
    if (!agent) return reject(new TypeError('fetch failed', { cause: new Error(`unsupported protocol ${target.protocol}`) }));
    const body = requestBody(options.body);
    const headers: Record<string, string | number> = { ...options.headers };
    if (body !== undefined) headers['content-length'] = body.byteLength;

    // `agent: false`: a connection of its own, closed after the answer (the retry above).
    const req = (target.protocol === 'https:' ? https : http).request(target, { method: options.method, headers, agent: connection === 'pooled' ? agent : false });
    const onAbort = () => req.destroy(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
    signal?.addEventListener('abort', onAbort, { once: true });
    const settle = () => signal?.removeEventListener('abort', onAbort);
    let answered = false;

    const fail = (err: Error) => {
      settle();
      if (signal?.aborted) return reject(signal.reason);
      const failure = new TypeError('fetch failed', { cause: err });
      const stale = req.reusedSocket && !answered && CLOSED_BY_PEER.has((err as NodeJS.ErrnoException).code ?? '');
      reject(stale ? new StaleConnectionError(failure) : failure);
    };
    req.on('error', fail);
    req.on('response', (res) => {
      answered = true;
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
}

function requestBody(body: Parameters<CustomFetch>[1]['body']): Buffer | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return Buffer.from(body);
  if (body instanceof URLSearchParams) return Buffer.from(body.toString());
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  throw new TypeError('a streamed request body is not supported');
}
