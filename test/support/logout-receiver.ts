/**
 * An app's back-channel logout endpoint on loopback: it takes the POSTed `logout_token` form field
 * (answering 200, as the spec asks), remembers it, and can go down (its port closed: connection
 * refused) and come back up on the same port, as an app being redeployed does.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LogoutReceiver {
  /** The backchannelLogoutUri to register. */
  url: string;
  /** Every logout token received, oldest first. */
  tokens: string[];
  /** The next token received (one already received and not yet taken comes first). */
  next(): Promise<string>;
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startLogoutReceiver(): Promise<LogoutReceiver> {
  const tokens: string[] = [];
  let taken = 0;
  const waiters: ((token: string) => void)[] = [];
  const handler = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const token = req.method === 'POST' && req.url === '/backchannel-logout' ? new URLSearchParams(body).get('logout_token') : null;
      if (!token) {
        res.writeHead(400).end();
        return;
      }
      tokens.push(token);
      res.writeHead(200, { 'cache-control': 'no-store' }).end();
      const waiter = waiters.shift();
      if (waiter) {
        taken++;
        waiter(token);
      }
    });
  });
  let server: Server = handler;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const closeServer = () => new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
  return {
    url: `http://127.0.0.1:${port}/backchannel-logout`,
    tokens,
    next() {
      if (taken < tokens.length) return Promise.resolve(tokens[taken++]!);
      return new Promise((resolve) => waiters.push(resolve));
    },
    async down() {
      server.closeAllConnections();
      await closeServer();
    },
    async up() {
      server = handler;
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => resolve());
      });
    },
    async close() {
      server.closeAllConnections();
      await closeServer();
    },
  };
}
