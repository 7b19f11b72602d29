/**
 * A browser without a browser: plain `fetch`, a cookie jar per origin, redirects followed by hand.
 * Enough to walk Foyer's sign-in pages the way a person's browser would, while the relying app
 * side is played by openid-client. Redirects to an app's redirect_uri are not followed (nothing
 * serves them): the walk stops there and the caller hands the URL to openid-client.
 */

interface StoredCookie {
  name: string;
  value: string;
  path: string;
  expires?: number;
}

export interface Page {
  /** The URL that produced this response (after any redirects that were followed). */
  url: string;
  status: number;
  headers: Headers;
  body: string;
  /** Every URL visited on the way, the first request included. */
  trail: string[];
}

export interface Form {
  action: string;
  method: string;
  fields: Record<string, string>;
}

// oidc-provider's inline script, or Foyer's forms marked for public/auto-submit.js (the SAML hop).
const AUTO_SUBMIT = /document\.forms\[0\]\.submit\(\)|<form\b[^>]*data-auto-submit/;

export class Browser {
  private readonly jars = new Map<string, StoredCookie[]>();

  /** Cookies this browser would send to `url` (name → value). */
  cookiesFor(url: string): Record<string, string> {
    const u = new URL(url);
    const now = Date.now();
    const out: Record<string, string> = {};
    const matching = (this.jars.get(u.origin) ?? [])
      .filter((c) => (c.expires === undefined || c.expires > now) && pathMatches(u.pathname, c.path))
      // Longer paths first, as browsers send them.
      .sort((a, b) => b.path.length - a.path.length);
    for (const c of matching) out[c.name] ??= c.value;
    return out;
  }

  /** Removes every cookie of one origin whose name passes the filter (a "clear site data"). */
  forget(origin: string, which: (name: string) => boolean = () => true): void {
    this.jars.set(origin, (this.jars.get(origin) ?? []).filter((c) => !which(c.name)));
  }

  /** One HTTP request with this browser's cookies; never follows redirects. */
  async request(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    const cookies = Object.entries(this.cookiesFor(url)).map(([k, v]) => `${k}=${v}`);
    if (cookies.length) headers.set('cookie', cookies.join('; '));
    if (!headers.has('accept')) headers.set('accept', 'text/html,application/xhtml+xml');
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    this.store(url, res.headers.getSetCookie());
    return res;
  }

  /**
   * Requests `url` and follows redirects (GET after 302/303, as browsers do) until a response is
   * not a redirect, or the next location starts with one of `stopAt` (an app's redirect_uri).
   */
  async navigate(url: string, opts: { init?: RequestInit; stopAt?: string[] } = {}): Promise<Page & { stoppedAt?: string }> {
    const trail: string[] = [];
    let current = url;
    let init = opts.init ?? {};
    for (let hop = 0; hop < 20; hop++) {
      trail.push(current);
      const res = await this.request(current, init);
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        await res.body?.cancel();
        const next = new URL(location, current).toString();
        if (opts.stopAt?.some((prefix) => next.startsWith(prefix))) {
          return { url: current, status: res.status, headers: res.headers, body: '', trail, stoppedAt: next };
        }
        current = next;
        // 307/308 would repeat the method and body; Foyer and oidc-provider only use 302/303.
        init = {};
        continue;
      }
      const body = await res.text();
      // oidc-provider sends a few self-submitting forms (e.g. ending the previous session when
      // another account signs in); a browser runs their script, so this one posts them too.
      const form = AUTO_SUBMIT.test(body) ? parseForms(body)[0] : undefined;
      if (form && !opts.stopAt?.some((prefix) => form.action.startsWith(prefix))) {
        current = new URL(form.action || current, current).toString();
        init = { method: 'POST', body: new URLSearchParams(form.fields).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } };
        continue;
      }
      return { url: current, status: res.status, headers: res.headers, body, trail };
    }
    throw new Error(`too many redirects starting at ${url}`);
  }

  /** Submits a form found on `page` (the first one unless `index` is given), like pressing its button. */
  async submit(
    page: Page,
    fields: Record<string, string>,
    opts: { index?: number; stopAt?: string[]; contentType?: string } = {},
  ): Promise<Page & { stoppedAt?: string }> {
    const form = parseForms(page.body)[opts.index ?? 0];
    if (!form) throw new Error(`no form on ${page.url} (status ${page.status}):\n${page.body.slice(0, 500)}`);
    const action = new URL(form.action || page.url, page.url).toString();
    const body = new URLSearchParams({ ...form.fields, ...fields });
    return this.navigate(action, {
      init: { method: 'POST', body: body.toString(), headers: { 'content-type': opts.contentType ?? 'application/x-www-form-urlencoded' } },
      stopAt: opts.stopAt,
    });
  }

  private store(url: string, setCookies: string[]): void {
    const u = new URL(url);
    let jar = this.jars.get(u.origin) ?? [];
    for (const header of setCookies) {
      const cookie = parseSetCookie(header, u.pathname);
      if (!cookie) continue;
      jar = jar.filter((c) => !(c.name === cookie.name && c.path === cookie.path));
      // An expiry in the past is how servers delete a cookie.
      if (cookie.expires === undefined || cookie.expires > Date.now()) jar.push(cookie);
    }
    this.jars.set(u.origin, jar);
  }
}

function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/';
}

function parseSetCookie(header: string, requestPath: string): StoredCookie | undefined {
  const [pair, ...attrs] = header.split(';');
  const eq = pair?.indexOf('=') ?? -1;
  if (!pair || eq < 1) return undefined;
  const cookie: StoredCookie = {
    name: pair.slice(0, eq).trim(),
    value: pair.slice(eq + 1).trim(),
    // The default path is the request path's directory (RFC 6265 5.1.4).
    path: requestPath.slice(0, Math.max(1, requestPath.lastIndexOf('/'))),
  };
  for (const attr of attrs) {
    const [k = '', v = ''] = attr.split('=').map((s) => s.trim());
    const key = k.toLowerCase();
    if (key === 'path' && v.startsWith('/')) cookie.path = v;
    else if (key === 'max-age') cookie.expires = Date.now() + Number(v) * 1000;
    else if (key === 'expires' && cookie.expires === undefined) cookie.expires = Date.parse(v);
  }
  return cookie;
}

const decode = (s: string) =>
  s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** Every form on a page with its action, method and the values of its hidden inputs. */
export function parseForms(html: string): Form[] {
  const forms: Form[] = [];
  for (const match of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const attrs = match[1] ?? '';
    const fields: Record<string, string> = {};
    for (const input of (match[2] ?? '').matchAll(/<input\b[^>]*>/gi)) {
      const tag = input[0];
      if (!/type="hidden"/i.test(tag)) continue;
      const name = /name="([^"]*)"/i.exec(tag)?.[1];
      if (name) fields[name] = decode(/value="([^"]*)"/i.exec(tag)?.[1] ?? '');
    }
    forms.push({
      action: decode(/action="([^"]*)"/i.exec(attrs)?.[1] ?? ''),
      method: (/method="([^"]*)"/i.exec(attrs)?.[1] ?? 'get').toLowerCase(),
      fields,
    });
  }
  return forms;
}

/** The `_csrf` hidden field of the first form that has one. */
export function csrfTokenOf(html: string): string {
  const token = parseForms(html).find((f) => f.fields._csrf)?.fields._csrf;
  if (!token) throw new Error('the page has no _csrf field');
  return token;
}

/** The error code a Foyer page shows ("Error code: <code>…</code>"), if any. */
export function errorCodeOf(html: string): string | undefined {
  return /Error code: <code>([^<]+)<\/code>/.exec(html)?.[1];
}

/** The headline of a Foyer page, to tell the login form from the consent page without brittle markup checks. */
export function headingOf(html: string): string | undefined {
  return /<h1>([\s\S]*?)<\/h1>/.exec(html)?.[1]?.replace(/<[^>]+>/g, '').trim();
}

/** A refused request as a test sees it: status, the stable error code (JSON or page), the raw body. */
export interface Refusal {
  status: number;
  code?: string;
  body: string;
}

/** Reads a response's error code whether it is OAuth JSON, Foyer's Graph-shaped JSON or a Foyer page. */
export async function refusalOf(res: Response): Promise<Refusal> {
  const body = await res.text();
  let code: string | undefined;
  if ((res.headers.get('content-type') ?? '').includes('json')) {
    const json = JSON.parse(body) as { error?: string | { code?: string } };
    code = typeof json.error === 'string' ? json.error : json.error?.code;
  } else {
    code = errorCodeOf(body);
  }
  return { status: res.status, code, body };
}

const LEAKS: [string, RegExp][] = [
  ['a stack frame', /\bat (?:async )?[\w$.<>[\]]+ \(/],
  ['a stack frame', /^\s*at \S+:\d+:\d+\s*$/m],
  ['a file path', /(?:file:\/\/|\/work\/|\/home\/|\/usr\/|node_modules|\b[\w-]+\.(?:ts|js|mjs):\d+)/],
  ['an exception name', /\b(?:TypeError|ReferenceError|SyntaxError|RangeError)\b/],
];

/** What internal detail a response body gives away (a stack frame, a path, an exception), if any. */
export function leakedInternals(body: string): string | undefined {
  for (const [what, pattern] of LEAKS) {
    const match = pattern.exec(body);
    if (match) return `${what}: ${match[0]}`;
  }
  return undefined;
}
