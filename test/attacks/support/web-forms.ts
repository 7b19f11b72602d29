/**
 * The attacker's hand-made requests to Foyer's pages: a form POST or a GET from a given browser
 * (its cookies, and its own CSRF token unless told otherwise), read back as a refusal (status,
 * stable code, body) plus where it redirects, and checked for leaked internals on the way.
 */
import { expect } from 'vitest';
import { leakedInternals, refusalOf, type Browser } from '../../support/browserless.js';

/** A form POST from `browser` with its own CSRF token (the attacker's browser has a valid one of its own). */
export async function post(browser: Browser, url: string, fields: Record<string, string>, opts: { csrf?: boolean; headers?: Record<string, string> } = {}) {
  const csrf = browser.cookiesFor(url)['foyer.csrf'];
  const body = new URLSearchParams({ ...(opts.csrf === false || !csrf ? {} : { _csrf: csrf }), ...fields });
  const res = await browser.request(url, { method: 'POST', body: body.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded', ...opts.headers } });
  const refusal = await refusalOf(res);
  expect(leakedInternals(refusal.body)).toBeUndefined();
  return { ...refusal, location: res.headers.get('location') };
}

/** What another site's auto-submitting form adds to the victim's browser's POST. */
export const CROSS_SITE = { origin: 'https://evil.example', referer: 'https://evil.example/win-a-prize', 'sec-fetch-site': 'cross-site' };

/** A GET from `browser`, as a refusal (status, code, body) plus where it redirects. */
export async function get(browser: Browser, url: string) {
  const res = await browser.request(url);
  const refusal = await refusalOf(res);
  expect(leakedInternals(refusal.body)).toBeUndefined();
  return { ...refusal, location: res.headers.get('location') };
}
