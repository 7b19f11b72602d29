/**
 * What an attacker can observe of one response, reduced to what must not depend on whether an
 * address has an account: the status, the headers (the date and the length aside), the cookies
 * set (names and attributes, not their random values), where it redirects (its random parameters
 * masked), and the body, with the address the attacker typed, the interaction uid, timestamps and
 * every random token masked. Two such views are compared with toEqual: any difference is an oracle. No timing.
 */
export interface Observed {
  status: number;
  headers: Record<string, string>;
  cookies: string[];
  location?: string;
  body: string;
}

const RANDOM = /[A-Za-z0-9_-]{20,}/g;
const TIMESTAMP = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z/g;
const UNTESTED_HEADERS = new Set(['date', 'content-length', 'set-cookie', 'location', 'x-request-id', 'keep-alive', 'connection']);

function mask(text: string, typed: string[]): string {
  let out = text;
  for (const t of typed) {
    out = out.split(t).join('<typed>').split(encodeURIComponent(t)).join('<typed>');
  }
  return out.replace(/\/interaction\/[^/"'?#\s]+/g, '/interaction/<uid>').replace(TIMESTAMP, '<time>').replace(RANDOM, '<random>');
}

/** The attacker's view of `res`, with `typed` (the address, anything else echoed back) masked. */
export async function observe(res: Response, typed: string[]): Promise<Observed> {
  const headers: Record<string, string> = {};
  res.headers.forEach((value, name) => {
    if (!UNTESTED_HEADERS.has(name)) headers[name] = mask(value, typed);
  });
  const cookies = res.headers
    .getSetCookie()
    .map((c) => {
      const [pair = '', ...attrs] = c.split(';');
      const name = pair.slice(0, pair.indexOf('='));
      // Expiry moves with the clock; whether it is set is what matters.
      return [name, ...attrs.map((a) => a.trim().replace(/^(expires|max-age)=.*$/i, '$1=<set>'))].join('; ');
    })
    .sort();
  const location = res.headers.get('location');
  return { status: res.status, headers, cookies, ...(location ? { location: mask(location, typed) } : {}), body: mask(await res.text(), typed) };
}
