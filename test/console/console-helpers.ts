import { expect } from 'vitest';
import type { Database } from '../../src/db/connect.js';
import { Browser, errorCodeOf, type Page } from '../support/browserless.js';
import type { RunningFoyer } from '../support/start-foyer.js';
import { PASSWORD } from '../support/world.js';

/** A member signed in to My Apps with a password, in a browser of their own. */
export async function consoleBrowser(foyer: RunningFoyer, email: string): Promise<Browser> {
  const browser = new Browser();
  const identify = await browser.navigate(`${foyer.issuer}/myapps`);
  const password = await browser.submit(identify, { email });
  const page = await browser.submit(password, { email, password: PASSWORD });
  expect(page.url).toBe(`${foyer.issuer}/myapps`);
  return browser;
}

/** POSTs a console form (with this browser's CSRF token); redirects are not followed. */
export async function postForm(browser: Browser, url: string, fields: Record<string, string> = {}): Promise<{ status: number; location: string | null; body: string; code?: string }> {
  const csrf = browser.cookiesFor(url)['foyer.csrf'] ?? '';
  const res = await browser.request(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ _csrf: csrf, ...fields }).toString() });
  const body = await res.text();
  return { status: res.status, location: res.headers.get('location'), body, code: errorCodeOf(body) };
}

/** Status and error code of a page. */
export async function open(browser: Browser, url: string): Promise<Page & { code?: string }> {
  const page = await browser.navigate(url);
  return { ...page, code: errorCodeOf(page.body) };
}

/** Every row of the tables a console action could change, to compare before and after a refused request. */
export async function directoryRows(db: Database): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const table of ['groups', 'group_members', 'group_owners', 'app_assignments', 'audit_log', 'users']) out[table] = await db(table).select().orderBy(table === 'group_members' || table === 'group_owners' ? ['group_id', 'user_id'] : ['id']);
  return out;
}

/** The ids in a console list (data-<kind>-id attributes) in page order. */
export function idsIn(html: string, kind: string): string[] {
  return [...html.matchAll(new RegExp(`data-${kind}-id="([^"]*)"`, 'g'))].map((m) => m[1]!);
}
