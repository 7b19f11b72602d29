/**
 * Raw HTTP on a socket, which fetch would refuse to send: header injection attempts (CR, LF, NUL
 * in names and values, folded lines), conflicting lengths, odd request lines, oversized headers.
 * Node's parser or Foyer must answer with a status below 500 (or close the connection), never echo
 * an injected header, never hang, and the server must keep serving.
 */
import { connect } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFoyer, type RunningFoyer } from '../support/start-foyer.js';
import { FUZZ_RUNS, FUZZ_TIMEOUT_MS, fuzzParams, nastyString } from './support/fuzz.js';

let foyer: RunningFoyer;
beforeAll(async () => {
  foyer = await startFoyer((config) => {
    config.limits = { tokenRequestsPerIpPerMinute: 10_000_000, signInPostsPerIpPerMinute: 10_000_000 };
  });
}, 60_000);
afterAll(() => foyer?.stop());

/** Sends bytes, returns what came back before the server closed (or 3 s passed). */
function exchange(port: number, bytes: Buffer): Promise<{ text: string; timedOut: boolean }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = connect(port, '127.0.0.1');
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ text: Buffer.concat(chunks).toString('latin1'), timedOut: true });
    }, 3_000);
    socket.on('data', (c) => {
      chunks.push(c);
      // One response is enough: stop at the end of its head when there is no body to wait for.
      const text = Buffer.concat(chunks).toString('latin1');
      const head = text.indexOf('\r\n\r\n');
      if (head >= 0) {
        const length = /\r\ncontent-length: (\d+)/i.exec(text.slice(0, head))?.[1];
        if (length !== undefined && text.length - head - 4 >= Number(length)) socket.end();
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ text: Buffer.concat(chunks).toString('latin1'), timedOut: false });
    });
    socket.end(bytes);
  });
}

describe(`raw HTTP and header injection fuzzing (${FUZZ_RUNS} cases per property)`, () => {
  it('answers below 500, never reflects an injected header, never hangs', async () => {
    const injection = fc.constantFrom('\r\nSet-Cookie: injected=1', '\nX-Injected: 1', '\r\n\r\nHTTP/1.1 200 OK\r\nX-Injected: 1', '\0', ' \r\n folded', '\r');
    const headerValue = fc.oneof(nastyString(), injection, fc.tuple(nastyString(), injection).map(([a, b]) => a + b));
    const request = fc.record({
      method: fc.oneof(fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'HEAD', 'TRACE', 'CONNECT', 'PATCH'), nastyString()),
      path: fc.oneof(
        fc.constantFrom('/healthz', '/readyz', '/token', '/auth', '/redeem?t=x', '/v1.0/invitations', '/interaction/x/login', '/jwks', '/.well-known/openid-configuration', '/metrics', '/session/end', '*'),
        nastyString().map((s) => `/${s}`),
      ),
      version: fc.constantFrom('HTTP/1.1', 'HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/1.1x', ''),
      headers: fc.array(
        fc.tuple(fc.oneof(fc.constantFrom('x-request-id', 'cookie', 'authorization', 'x-forwarded-for', 'x-forwarded-proto', 'host', 'accept', 'content-type', 'accept-language', 'origin', 'referer'), nastyString()), headerValue),
        { maxLength: 6 },
      ),
      lengths: fc.constantFrom('none', 'right', 'wrong', 'twice', 'chunked', 'both'),
      body: nastyString(),
    });
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const body = Buffer.from(r.body);
        const lines = [`${r.method} ${r.path} ${r.version}`, `Host: 127.0.0.1:${foyer.port}`, 'Connection: close'];
        for (const [name, value] of r.headers) lines.push(`${name}: ${value}`);
        if (r.lengths === 'right' || r.lengths === 'both') lines.push(`Content-Length: ${body.length}`);
        if (r.lengths === 'wrong') lines.push(`Content-Length: ${body.length + 7}`);
        if (r.lengths === 'twice') lines.push(`Content-Length: ${body.length}`, `Content-Length: ${body.length + 1}`);
        if (r.lengths === 'chunked' || r.lengths === 'both') lines.push('Transfer-Encoding: chunked');
        const payload = r.lengths === 'chunked' ? `${body.length.toString(16)}\r\n${r.body}\r\n0\r\n\r\n` : r.body;
        const { text, timedOut } = await exchange(foyer.port, Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), Buffer.from(payload)]));
        const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0);
        const head = text.slice(0, Math.max(0, text.indexOf('\r\n\r\n')));
        const where = JSON.stringify(lines).slice(0, 400);
        // A request with a wrong Content-Length may leave the server waiting for the rest: that is the client's hang, not ours.
        if (timedOut && r.lengths !== 'wrong' && status === 0) throw new Error(`no answer within 3 s: ${where}`);
        if (status >= 500) throw new Error(`answered ${status}: ${where}\n${text.slice(0, 300)}`);
        if (/^(set-cookie: injected|x-injected:)/im.test(head)) throw new Error(`reflected an injected header: ${where}\n${head}`);
      }),
      fuzzParams(),
    );
    expect((await fetch(`${foyer.issuer}/healthz`)).status).toBe(200);
  }, FUZZ_TIMEOUT_MS);
});
