/**
 * Where a browser would really go. A redirect is followed hop by hop while it stays on Foyer's
 * origin, and the first Location that leaves it is resolved exactly as a browser resolves it
 * (WHATWG URL against the current page), so a Location that looks harmless as text but a browser
 * reads as another host is caught. Nothing off Foyer's origin is ever fetched.
 */
import type { Browser } from '../../support/browserless.js';

export interface Walk {
  /** The first URL outside `origin` the browser was sent to, if any. */
  exit?: URL;
  /** The last response on `origin` (the page shown, when there was no exit). */
  status: number;
  url: string;
  body: string;
}

export async function followUntilExit(browser: Browser, start: string, origin: string): Promise<Walk> {
  let current = start;
  for (let hop = 0; hop < 20; hop++) {
    const res = await browser.request(current);
    const location = res.headers.get('location');
    if (res.status < 300 || res.status >= 400 || !location) return { status: res.status, url: current, body: await res.text() };
    await res.body?.cancel();
    const next = new URL(location, current);
    if (next.origin !== origin) return { exit: next, status: res.status, url: current, body: '' };
    current = next.href;
  }
  throw new Error(`too many redirects from ${start}`);
}
