/**
 * A TCP relay in front of a shared server (PostgreSQL, Redis) that a test can cut and restore:
 * the fault hits only the connections that go through it, never the server other suites use.
 */
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

export interface TcpRelay {
  port: number;
  start(): Promise<void>;
  /** Refuses new connections and resets every open one. */
  cut(): Promise<void>;
  close(): Promise<void>;
}

export async function tcpRelay(targetHost: string, targetPort: number): Promise<TcpRelay> {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const relay: TcpRelay = {
    get port() {
      return port;
    },
    async start() {
      server = createServer((client) => {
        const upstream = connect(targetPort, targetHost);
        for (const [a, b] of [[client, upstream], [upstream, client]] as const) {
          sockets.add(a);
          a.pipe(b);
          a.on('error', () => b.destroy());
          a.on('close', () => {
            sockets.delete(a);
            b.destroy();
          });
        }
      });
      await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve));
      port = (server.address() as AddressInfo).port;
    },
    async cut() {
      if (!server) return;
      const closed = new Promise((resolve) => server!.close(resolve));
      for (const socket of sockets) socket.destroy();
      await closed;
      server = undefined;
    },
    close: () => relay.cut(),
  };
  return relay;
}
