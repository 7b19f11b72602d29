/**
 * The first addresses a person tries, in headless Chromium at desktop and phone (390px) width:
 * `GET /` is a branded start page that says what Foyer is and leads to My Apps (and, for a signed-in
 * admin only, to the admin console); any unknown path is a branded 404 page for browsers and Graph's
 * JSON error for the API and SCIM paths, never Koa's plain "Not Found".
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeInChromium, DESKTOP, HAS_CHROMIUM, launchChromium, recordedPage, type Recorder } from '../support/chromium.js';
import { appToken } from '../support/api-client.js';
import { PASSWORD, PORTAL_APP, startWorld, type World, type WorldOptions } from '../support/world.js';

const PHONE_390 = { width: 390, height: 844 };
const WORLD: WorldOptions = { foyerHost: 'localhost', portal: true, members: [{ email: 'ada@contoso.example', admin: true, name: 'Ada Admin' }, { email: 'mo@contoso.example', name: 'Mo Member' }] };

let world: World;
let browser: Browser;

beforeAll(async () => {
  if (!HAS_CHROMIUM) return;
  [world, browser] = await Promise.all([
    startWorld(WORLD),
    launchChromium(),
  ]);
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await world?.stop();
});

/** What a person sees on the page, at the current width. */
function pageFacts(page: Page) {
  return page.evaluate(() => ({
    h1: Array.from(document.querySelectorAll('h1')).map((h) => h.textContent?.trim()),
    brand: document.querySelector('header .tenant')?.textContent?.trim(),
    links: Array.from(document.querySelectorAll('main a[href]')).map((a) => ({ text: a.textContent?.trim(), href: (a as HTMLAnchorElement).href })),
    overflow: document.documentElement.scrollWidth - window.innerWidth,
    body: document.body.innerText,
  }));
}

async function atBothWidths(rec: Recorder, name: string, check: (facts: Awaited<ReturnType<typeof pageFacts>>) => void): Promise<void> {
  for (const [label, size] of [['desktop', DESKTOP], ['phone', PHONE_390]] as const) {
    await rec.page.setViewportSize(size);
    await rec.shot(`${name}-${label}`);
    const facts = await pageFacts(rec.page);
    expect(facts.overflow, `${name}: horizontal scroll at ${label} width`).toBeLessThanOrEqual(0);
    check(facts);
  }
  await rec.page.setViewportSize(DESKTOP);
}

async function signInAsMember(page: Page, email: string): Promise<void> {
  await page.goto(`${world.issuer}/myapps`);
  await page.getByLabel('Email address').fill(email);
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByLabel('Password').fill(PASSWORD);
  await Promise.all([page.waitForURL(`${world.issuer}/myapps`), page.getByRole('button', { name: 'Sign in' }).click()]);
}

describeInChromium('the start page and the 404 page', () => {
  it('GET / says what this is and leads to My Apps, without an admin link for a visitor', async (ctx) => {
    const rec = await recordedPage(browser, ctx);
    const res = await rec.page.goto(`${world.issuer}/`);
    expect(res?.status()).toBe(200);
    expect(res?.headers()['cache-control']).toBe('no-store');
    await atBothWidths(rec, 'start', (facts) => {
      expect(facts.h1).toEqual(['Contoso Test sign-in']);
      expect(facts.brand).toBe('Contoso Test');
      expect(facts.body).toMatch(/people from other organisations sign in to the apps Contoso Test shares/);
      expect(facts.links).toEqual([{ text: 'Sign in to My Apps', href: `${world.issuer}/myapps` }]);
    });
    // The link works: it starts the sign-in of My Apps.
    await Promise.all([rec.page.waitForURL(/\/interaction\//), rec.page.getByRole('link', { name: 'Sign in to My Apps' }).click()]);
    await rec.page.getByLabel('Email address').waitFor();
  });

  it('a signed-in admin gets the admin console from the start page; a member does not', async (ctx) => {
    const rec = await recordedPage(browser, ctx);
    await signInAsMember(rec.page, 'ada@contoso.example');
    await rec.page.goto(`${world.issuer}/`);
    await atBothWidths(rec, 'start-admin', (facts) => {
      expect(facts.body).toContain('Signed in as ada@contoso.example');
      expect(facts.links).toEqual([{ text: 'Open My Apps', href: `${world.issuer}/myapps` }, { text: 'Admin console', href: `${world.issuer}/myapps/admin/guests` }]);
    });
    await Promise.all([rec.page.waitForURL(`${world.issuer}/myapps/admin/guests`), rec.page.getByRole('link', { name: 'Admin console' }).click()]);
    expect(await rec.page.locator('h1').textContent()).toMatch(/Guests/);

    const member = await recordedPage(browser, ctx);
    await signInAsMember(member.page, 'mo@contoso.example');
    await member.page.goto(`${world.issuer}/`);
    const facts = await pageFacts(member.page);
    expect(facts.body).toContain('Signed in as mo@contoso.example');
    expect(facts.links.map((l) => l.text)).toEqual(['Open My Apps']);
    // The admin pages themselves still refuse the member: the start page only hides a link.
    const admin = await member.page.goto(`${world.issuer}/myapps/admin/guests`);
    expect(admin?.status()).toBe(403);
  });

  it('an unknown path is a branded 404 page with a way on, at both widths', async (ctx) => {
    const rec = await recordedPage(browser, ctx);
    for (const path of ['/nowhere', '/myapps-typo/x?y=1', '/interaction', '/.well-known/nothing']) {
      const res = await rec.page.goto(`${world.issuer}${path}`);
      expect(res?.status(), path).toBe(404);
      expect(res?.headers()['content-type'], path).toMatch(/^text\/html/);
      await atBothWidths(rec, `404-${path}`, (facts) => {
        expect(facts.h1).toEqual(['Not found']);
        expect(facts.brand).toBe('Contoso Test');
        expect(facts.body).toContain('There is no page at this address');
        expect(facts.body).toMatch(/Error code: notFound/);
        expect(facts.links).toEqual([{ text: 'Go to the start page', href: `${world.issuer}/` }]);
      });
    }
    await Promise.all([rec.page.waitForURL(`${world.issuer}/`), rec.page.getByRole('link', { name: 'Go to the start page' }).click()]);
    expect(await rec.page.locator('h1').textContent()).toBe('Contoso Test sign-in');
  });
});

it('API and SCIM paths answer an unknown path with JSON, whatever the Accept header, and nothing is plain "Not Found"', async () => {
  const started = world ?? (await startWorld(WORLD));
  try {
    // An API client that may call the API: an unknown path is its 404 (without a token it is a 401, in JSON too).
    const token = await appToken(started.issuer, PORTAL_APP.id);
    for (const path of ['/v1.0', '/v1.0/nothing', '/V1.0/NoSuchResource/x', '/scim', '/scim/v2/Users']) {
      for (const accept of ['text/html', 'application/json', '*/*']) {
        const res = await fetch(`${started.issuer}${path}`, { headers: { accept, authorization: `Bearer ${token}` } });
        expect(res.status, `${path} ${accept}`).toBe(404);
        expect(res.headers.get('content-type'), `${path} ${accept}`).toMatch(/^application\/json/);
        const body = (await res.json()) as { error: { code: string; message: string; innerError: Record<string, string> } };
        // The API keeps Graph's own code for a resource it does not have; everything else is notFound.
        expect(body.error.code, path).toBe(path.toLowerCase().startsWith('/v1.0/') ? 'Request_ResourceNotFound' : 'notFound');
        expect(body.error.innerError['request-id']).toBe(res.headers.get('x-request-id') ?? body.error.innerError['request-id']);
      }
    }
    for (const method of ['GET', 'POST', 'DELETE']) {
      const res = await fetch(`${started.issuer}/no/such/thing`, { method, headers: { accept: 'text/html' } });
      expect(res.status).toBe(404);
      expect(await res.text()).not.toBe('Not Found');
    }
  } finally {
    if (!world) await started.stop();
  }
});
