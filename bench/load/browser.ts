/**
 * A minimal browser for load: one cookie jar per origin, redirects followed by hand, over one of
 * two HTTP clients. Lighter than test/support/browserless.ts (no cookie paths, no form parsing
 * beyond what a step needs), because here the client shares the machine's two cores with the
 * servers it measures.
 *
 * - `fetch` (the default): Node's fetch, as a browser-like client would be written;
 * - `node`: node:http with a keep-alive agent. Node 20's fetch costs about 1 ms of CPU per request
 *   more than node:http (see docs/benchmarks.md), which matters when the load client
 *   shares two cores with flows of 13 requests (Foyer) and 4 (the baseline).
 */
import { Agent, request as httpRequest } from 'node:http';

export interface SimpleResponse {
  status: number;
  location?: string;
  setCookies: string[];
  body: string;
}

export interface RequestInit {
  method?: string;
  body?: string;
  headers?: Record<string, string>;
}

export type Transport = (url: string, init: RequestInit) => Promise<SimpleResponse>;
export type TransportName = 'fetch' | 'node';

const fetchTransport: Transport = async (url, init) => {
  const res = await fetch(url, { method: init.method ?? 'GET', body: init.body, headers: init.headers, redirect: 'manual' });
  const body = await res.text();
  return { status: res.status, location: res.headers.get('location') ?? undefined, setCookies: res.headers.getSetCookie(), body };
};

function nodeTransport(): Transport {
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  return (url, init) =>
    new Promise((resolve, reject) => {
      const req = httpRequest(url, { method: init.method ?? 'GET', headers: init.body !== undefined ? { ...init.headers, 'content-length': String(Buffer.byteLength(init.body)) } : init.headers, agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const location = res.headers.location;
          const cookies = res.headers['set-cookie'];
          resolve({ status: res.statusCode ?? 0, location, setCookies: cookies ?? [], body: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', reject);
      });
      req.setTimeout(30_000, () => req.destroy(new Error(`timeout: ${url}`)));
      req.on('error', reject);
      req.end(init.body);
    });
}

export function createTransport(name: TransportName = 'fetch'): Transport {
  return name === 'node' ? nodeTransport() : fetchTransport;
}

export class LoadBrowser {
  private readonly jars = new Map<string, Map<string, string>>();
  /** HTTP requests this browser made (redirect hops included). */
  requests = 0;

  constructor(private readonly transport: Transport) {}

  cookieHeader(origin: string): string | undefined {
    const jar = this.jars.get(origin);
    if (!jar?.size) return undefined;
    let out = '';
    for (const [k, v] of jar) out += `${out ? '; ' : ''}${k}=${v}`;
    return out;
  }

  setCookie(origin: string, name: string, value: string): void {
    let jar = this.jars.get(origin);
    if (!jar) this.jars.set(origin, (jar = new Map()));
    jar.set(name, value);
  }

  /** A request without cookies (an app's back channel: token endpoint, API). */
  async send(url: string, init: RequestInit): Promise<SimpleResponse> {
    this.requests++;
    return this.transport(url, init);
  }

  async request(url: string, init: RequestInit = {}): Promise<SimpleResponse> {
    const origin = new URL(url).origin;
    const headers: Record<string, string> = { accept: 'text/html', ...init.headers };
    const cookie = this.cookieHeader(origin);
    if (cookie) headers.cookie = cookie;
    this.requests++;
    const res = await this.transport(url, { ...init, headers });
    if (res.setCookies.length) this.store(origin, res.setCookies);
    return res;
  }

  /**
   * Follows redirects from `url` until a response is not a redirect (returns its body) or the
   * next location starts with `stopAt` (returns that location).
   */
  async navigate(url: string, stopAt: string, init?: RequestInit): Promise<{ stoppedAt?: string; status: number; body: string; url: string }> {
    let current = url;
    let options = init;
    for (let hop = 0; hop < 20; hop++) {
      const res = await this.request(current, options);
      if (res.status >= 300 && res.status < 400 && res.location) {
        const next = new URL(res.location, current).href;
        if (next.startsWith(stopAt)) return { stoppedAt: next, status: res.status, body: '', url: current };
        current = next;
        options = undefined;
        continue;
      }
      return { status: res.status, body: res.body, url: current };
    }
    throw new Error(`too many redirects from ${url}`);
  }

  private store(origin: string, setCookies: string[]): void {
    let jar = this.jars.get(origin);
    if (!jar) this.jars.set(origin, (jar = new Map()));
    for (const header of setCookies) {
      const semi = header.indexOf(';');
      const pair = semi === -1 ? header : header.slice(0, semi);
      const eq = pair.indexOf('=');
      if (eq < 1) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      // Deleted cookies come back empty with an expiry in the past.
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(header)) jar.delete(name);
      else jar.set(name, value);
    }
  }
}

/** Hidden inputs and the action of the first form on a page (enough for Foyer's pages). */
export function firstForm(html: string): { action: string; fields: Record<string, string>; inputs: string[] } | undefined {
  const match = /<form\b([^>]*)>([\s\S]*?)<\/form>/i.exec(html);
  if (!match) return undefined;
  const fields: Record<string, string> = {};
  const inputs: string[] = [];
  for (const input of (match[2] ?? '').matchAll(/<input\b[^>]*>/gi)) {
    const tag = input[0];
    const name = /name="([^"]*)"/i.exec(tag)?.[1];
    if (!name) continue;
    if (/type="hidden"/i.test(tag)) fields[name] = decode(/value="([^"]*)"/i.exec(tag)?.[1] ?? '');
    else inputs.push(name);
  }
  return { action: decode(/action="([^"]*)"/i.exec(match[1] ?? '')?.[1] ?? ''), fields, inputs };
}

const decode = (s: string) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
