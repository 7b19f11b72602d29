/**
 * A loopback stand-in for the load balancer in front of several Foyer nodes: every node shares
 * one issuer URL (this balancer's), and the test decides which node serves each request.
 *
 * Like nginx's `proxy_next_upstream error`, a request whose node refuses the connection (it is
 * down) is passed to another node, because nothing was sent yet; a node that dies while serving a
 * request makes that request fail with 502, which is what a browser then shows (and can retry).
 */
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Served {
  node: string;
  method: string;
  path: string;
  status: number;
}

/** Picks the node for a request by name; `undefined` means round-robin. */
export type Router = (req: IncomingMessage) => string | undefined;

export interface Balancer {
  url: string;
  port: number;
  /** Which node to use for each request (default: round-robin over the nodes). */
  route: Router;
  /** Every request answered, with the node that answered it (or "none" for a 502). */
  served: Served[];
  setNode(name: string, port: number): void;
  removeNode(name: string): void;
  close(): Promise<void>;
}

export async function startBalancer(port = 0): Promise<Balancer> {
  const nodes = new Map<string, number>();
  let turn = 0;
  const served: Served[] = [];

  const balancer = {
    url: '',
    port: 0,
    route: (() => undefined) as Router,
    served,
    setNode(name: string, p: number) {
      nodes.set(name, p);
    },
    removeNode(name: string) {
      nodes.delete(name);
    },
    close: async () => {},
  };

  const pickOrder = (req: IncomingMessage): string[] => {
    const names = [...nodes.keys()];
    const wanted = balancer.route(req);
    const first = wanted && nodes.has(wanted) ? wanted : names[turn++ % Math.max(names.length, 1)];
    return first ? [first, ...names.filter((n) => n !== first)] : [];
  };

  const server: Server = createServer((req, res) => {
    const body: Buffer[] = [];
    req.on('data', (c: Buffer) => body.push(c));
    req.on('end', () => forward(req, res, Buffer.concat(body), pickOrder(req)));
    req.on('error', () => res.destroy());
  });

  function forward(req: IncomingMessage, res: ServerResponse, body: Buffer, order: string[]): void {
    const [name, ...rest] = order;
    if (!name) {
      served.push({ node: 'none', method: req.method ?? '', path: req.url ?? '', status: 502 });
      res.writeHead(502, { 'content-type': 'text/plain' }).end('no Foyer node is available');
      return;
    }
    const upstream = request(
      { host: '127.0.0.1', port: nodes.get(name), method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        served.push({ node: name, method: req.method ?? '', path: req.url ?? '', status: answer.statusCode ?? 0 });
        res.writeHead(answer.statusCode ?? 502, answer.rawHeaders);
        answer.pipe(res);
        answer.on('error', () => res.destroy());
      },
    );
    upstream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNREFUSED' && !res.headersSent) return forward(req, res, body, rest);
      served.push({ node: name, method: req.method ?? '', path: req.url ?? '', status: 502 });
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' }).end('the Foyer node failed while answering');
      else res.destroy();
    });
    upstream.end(body);
  }

  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  balancer.port = (server.address() as AddressInfo).port;
  balancer.url = `http://127.0.0.1:${balancer.port}`;
  balancer.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return balancer;
}

/** A router that sends each request to the node named by the first rule whose test matches. */
export function byRules(rules: [(method: string, path: string) => boolean, string][]): Router {
  return (req) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    return rules.find(([test]) => test(req.method ?? 'GET', path))?.[1];
  };
}
