import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface NodeServer {
  /** Starts listening; resolves with the bound port (useful with port 0 in tests). */
  listen(port: number, host: string): Promise<{ server: Server; port: number }>;
  /** Stops accepting requests and lets in-flight ones finish, for at most `graceSeconds`. */
  close(graceSeconds: number): Promise<void>;
}

/**
 * The node's one HTTP server. It outlives config reloads: `dispatch` hands each request to the
 * composition serving at that moment (src/live-config/), so listening sockets and keep-alive
 * connections stay open across a reload.
 */
export function createNodeServer(dispatch: RequestListener): NodeServer {
  let server: Server | undefined;
  return {
    listen(port, host) {
      server = createServer({ maxHeaderSize: 16 * 1024, requestTimeout: 30_000, headersTimeout: 10_000 }, dispatch);
      server.keepAliveTimeout = 5_000;
      const s = server;
      return new Promise((resolve, reject) => {
        s.once('error', reject);
        s.listen(port, host, () => resolve({ server: s, port: (s.address() as AddressInfo).port }));
      });
    },
    async close(graceSeconds) {
      if (!server) return;
      const s = server;
      const closed = new Promise<void>((resolve) => s.close(() => resolve()));
      s.closeIdleConnections();
      const grace = new Promise<void>((resolve) => setTimeout(resolve, graceSeconds * 1000).unref());
      await Promise.race([closed, grace]);
      s.closeAllConnections();
    },
  };
}
