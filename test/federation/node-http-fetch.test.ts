import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_UPSTREAM_RESPONSE_BYTES, nodeHttpFetch } from '../../src/federation/node-http-fetch.js';

/** A loopback server whose answer per path is chosen by the test; it records what it received. */
describe('nodeHttpFetch: openid-client requests over node:http with fetch semantics', () => {
  let server: Server;
  let base: string;
  let seen: { method?: string; headers: IncomingMessage['headers']; body: string } | undefined;
  const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {
    '/json': (_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.setHeader('set-cookie', ['a=1', 'b=2']);
      res.end(JSON.stringify({ hello: 'world' }));
    },
    '/token': (req, res) => {
      res.statusCode = 400;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ error: 'invalid_grant', got: seen?.body, type: req.headers['content-type'] }));
    },
    '/redirect': (_req, res) => {
      res.statusCode = 302;
      res.setHeader('location', '/json');
      res.end();
    },
    '/empty': (_req, res) => {
      res.statusCode = 204;
      res.end();
    },
    '/huge': (_req, res) => {
      const chunk = Buffer.alloc(64 * 1024, 'x');
      for (let sent = 0; sent <= MAX_UPSTREAM_RESPONSE_BYTES; sent += chunk.length) res.write(chunk);
      res.end();
    },
    '/cut': (_req, res) => {
      res.setHeader('content-length', '1000');
      res.write('{"partial":');
      setTimeout(() => res.socket?.destroy(), 20);
    },
    '/silent': () => {
      /* never answers */
    },
  };

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen = { method: req.method, headers: req.headers, body: Buffer.concat(chunks).toString() };
        (routes[req.url ?? ''] ?? ((_q, s) => ((s.statusCode = 404), s.end())))(req, res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('answers with status, headers (repeated ones kept) and body, sending the given headers', async () => {
    const res = await nodeHttpFetch(`${base}/json`, { method: 'GET', headers: { accept: 'application/json', 'x-test': 'yes' }, body: undefined, redirect: 'manual' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(await res.json()).toEqual({ hello: 'world' });
    expect(seen?.headers['x-test']).toBe('yes');
  });

  it('sends a form body with its length, and hands back an error status as a response (not a rejection)', async () => {
    const body = new URLSearchParams({ grant_type: 'authorization_code', code: 'ü-code' });
    const res = await nodeHttpFetch(`${base}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body, redirect: 'manual' });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'invalid_grant', got: body.toString(), type: 'application/x-www-form-urlencoded' });
    expect(seen?.method).toBe('POST');
    expect(Number(seen?.headers['content-length'])).toBe(Buffer.byteLength(body.toString()));
  });

  it('does not follow redirects, and gives a bodiless status a null body', async () => {
    const redirected = await nodeHttpFetch(`${base}/redirect`, { method: 'GET', headers: {}, body: undefined, redirect: 'manual' });
    expect(redirected.status).toBe(302);
    expect(redirected.headers.get('location')).toBe('/json');
    const empty = await nodeHttpFetch(`${base}/empty`, { method: 'GET', headers: {}, body: undefined, redirect: 'manual' });
    expect(empty.status).toBe(204);
    expect(empty.body).toBeNull();
  });

  it('rejects like fetch when nothing listens: TypeError "fetch failed" with the socket error as cause', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const failure = await nodeHttpFetch(`http://127.0.0.1:${port}/`, { method: 'GET', headers: {}, body: undefined, redirect: 'manual' }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(TypeError);
    expect((failure as TypeError).message).toBe('fetch failed');
    expect((failure as { cause?: { code?: string } }).cause?.code).toBe('ECONNREFUSED');
  });

  it('rejects with the signal\'s TimeoutError when the upstream does not answer in time', async () => {
    const started = Date.now();
    const failure = await nodeHttpFetch(`${base}/silent`, { method: 'GET', headers: {}, body: undefined, redirect: 'manual', signal: AbortSignal.timeout(200) }).catch((e: unknown) => e);
    expect((failure as Error).name).toBe('TimeoutError');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('rejects when the connection is lost in the middle of the body', async () => {
    const failure = await nodeHttpFetch(`${base}/cut`, { method: 'GET', headers: {}, body: undefined, redirect: 'manual', signal: AbortSignal.timeout(5000) }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(TypeError);
    expect((failure as TypeError).message).toBe('fetch failed');
  });

  it('refuses a response larger than the limit instead of buffering it', async () => {
    const failure = await nodeHttpFetch(`${base}/huge`, { method: 'GET', headers: {}, body: undefined, redirect: 'manual' }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(TypeError);
    expect(String((failure as { cause?: Error }).cause?.message)).toMatch(/larger than/);
  });
});

/**
 * An IdP that closes a kept-alive connection while Foyer's agent still holds it as free (its
 * keep-alive timeout, read late by a busy event loop): the next request on it is lost without an
 * answer. Here the peer drops, without answering, requests that arrive on a connection that already
 * served one (`dropOnReused`), or every request (`dropAll`), and records each arrival.
 */
describe('nodeHttpFetch: a request lost on a kept-alive connection the peer closed', () => {
  let server: Server;
  let base: string;
  let mode: 'answer' | 'dropOnReused' | 'dropAll' = 'answer';
  const arrivals: { path: string; body: string; connection: number; reused: boolean }[] = [];
  const served = new WeakMap<object, number>();
  let connections = 0;
  const connectionIds = new WeakMap<object, number>();

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const socket = req.socket;
        if (!connectionIds.has(socket)) connectionIds.set(socket, ++connections);
        const before = served.get(socket) ?? 0;
        served.set(socket, before + 1);
        arrivals.push({ path: req.url ?? '', body: Buffer.concat(chunks).toString(), connection: connectionIds.get(socket)!, reused: before > 0 });
        if (mode === 'dropAll' || (mode === 'dropOnReused' && before > 0)) {
          if (mode === 'dropOnReused') mode = 'answer';
          socket.destroy();
          return;
        }
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ ok: true, path: req.url }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const post = (path: string, code: string) =>
    nodeHttpFetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ code }), redirect: 'manual' });

  it('sends the request once more on a new connection, and the answer is the one that request got', async () => {
    // A first request leaves a kept-alive connection in the agent's pool.
    expect((await post('/warm', 'w')).status).toBe(200);
    arrivals.length = 0;
    mode = 'dropOnReused';
    const res = await post('/token', 'the-code');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, path: '/token' });
    // The same request twice: lost on the reused connection, answered on a new one; never a third time.
    expect(arrivals.map((a) => [a.path, a.body, a.reused])).toEqual([
      ['/token', 'code=the-code', true],
      ['/token', 'code=the-code', false],
    ]);
    expect(arrivals[1]!.connection).not.toBe(arrivals[0]!.connection);
  });

  it('reports a peer that drops the retried request too, after exactly one retry', async () => {
    expect((await post('/warm', 'w')).status).toBe(200);
    arrivals.length = 0;
    mode = 'dropAll';
    try {
      const failure = await post('/token', 'the-code').catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(TypeError);
      expect((failure as TypeError).message).toBe('fetch failed');
      expect((failure as { cause?: { code?: string } }).cause?.code).toBe('ECONNRESET');
      expect(arrivals.map((a) => a.reused)).toEqual([true, false]);
    } finally {
      mode = 'answer';
    }
  });

  it('does not retry a request lost on a new connection: the peer is failing, not an idle connection', async () => {
    // Nothing pooled: a fresh server port, so the first request opens a new connection.
    const other = createServer((req) => req.socket.destroy());
    let seen = 0;
    other.on('request', () => seen++);
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    try {
      const port = (other.address() as AddressInfo).port;
      const failure = await nodeHttpFetch(`http://127.0.0.1:${port}/token`, { method: 'POST', headers: {}, body: 'code=x', redirect: 'manual' }).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(TypeError);
      expect((failure as TypeError).message).toBe('fetch failed');
      expect(seen).toBe(1);
    } finally {
      other.closeAllConnections();
      await new Promise<void>((resolve) => other.close(() => resolve()));
    }
  });
});
