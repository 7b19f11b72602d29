/**
 * Passkeys on My Apps (Account and security), in real Chromium with CDP virtual authenticators:
 * listed by name, another added and one removed only after signing in again with a factor; a
 * password-only session can neither add nor remove one (403, nothing changed), and nobody can
 * remove another user's passkey.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { requireMfaFor } from '../e2e-access/access-support.js';
import { clickAndWait, describeInChromium, HAS_CHROMIUM, launchChromium, recordedPage } from '../support/chromium.js';
import { startWorld, type World } from '../support/world.js';
import { addAuthenticator, signInWithPassword, usePasskeyInto } from './passkey-support.js';

const DAN = 'dan@contoso.example';
const EVE = 'eve@contoso.example';
let world: World;
let browser: Browser;

beforeAll(async () => {
  if (!HAS_CHROMIUM) return;
  [world, browser] = await Promise.all([
    startWorld({ foyerHost: 'localhost', demoApp: true, members: [DAN, EVE], customize: (c) => void (c.conditionalAccess = [requireMfaFor('demo-app')]) }),
    launchChromium(),
  ]);
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await world?.stop();
});

const passkeysOf = (email: string) => world.foyer.foyer.db('passkeys').where({ user_id: world.members[email] }).orderBy('created_at');
const account = () => `${world.issuer}/myapps/account`;

async function firstPasskey(page: Page, email: string): Promise<void> {
  await signInWithPassword(page, `${world.appUrl}login`, email);
  await page.getByRole('button', { name: 'Create a passkey' }).click();
  await usePasskeyInto(page, 'I have saved them, continue', world.appUrl);
}

/** POSTs a My Apps form by hand with this browser's cookies and CSRF token (what a forged or stale form does). */
async function post(page: Page, path: string, form: Record<string, string> = {}): Promise<number> {
  await page.goto(account());
  // The double-submit CSRF token is the foyer.csrf cookie's value (the page may show no form to read it from).
  const csrf = (await page.context().cookies(world.issuer)).find((c) => c.name === 'foyer.csrf')!.value;
  return (await page.request.post(`${world.issuer}${path}`, { form: { _csrf: csrf, ...form }, maxRedirects: 0 })).status();
}

describeInChromium('passkeys on My Apps', () => {
  it('listed by name; adding and removing need a fresh sign-in with a factor; a password-only session changes nothing', async (ctx) => {
    const { page, context } = await recordedPage(browser, ctx);
    const laptop = await addAuthenticator(context, page);
    await firstPasskey(page, DAN);
    const [first] = await passkeysOf(DAN);

    // My Apps after a password-only sign-in (My Apps asks for no MFA): listed, but nothing may change.
    await context.clearCookies();
    await page.goto(account());
    await page.getByLabel('Email address').fill(DAN);
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByLabel('Password', { exact: true }).fill('correct horse battery staple');
    await clickAndWait(page, () => page.getByRole('button', { name: 'Sign in', exact: true }).click(), account());
    await expect.poll(() => page.locator('#passkeys').textContent()).toContain('Passkey');
    expect(await page.getByRole('button', { name: /Remove passkey/ }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Add a passkey' }).count()).toBe(0);
    expect(await post(page, `/myapps/account/security/passkeys/${first.id}/remove`)).toBe(403);
    expect(await post(page, '/myapps/account/security/passkeys', { response: '{}' })).toBe(403);
    expect(await passkeysOf(DAN)).toHaveLength(1);

    // Sign in again: the passkey is the factor; then another passkey (on another authenticator) is added, named.
    await clickAndWait(page, () => page.getByRole('link', { name: 'Sign in again to change your security info' }).click(), (u) => u.pathname.startsWith('/interaction/'));
    await page.getByLabel('Password', { exact: true }).fill('correct horse battery staple');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await usePasskeyInto(page, 'Use your passkey', account());
    await laptop.cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: laptop.id });
    await addAuthenticator(context, page);
    await page.getByLabel('Name this passkey').fill('Phone');
    await clickAndWait(page, () => page.getByRole('button', { name: 'Add a passkey' }).click(), (u) => u.search.includes('passkeyAdded'));
    expect((await passkeysOf(DAN)).map((p) => p.name)).toEqual(['Passkey', 'Phone']);

    // Removing another user's passkey: not found, nothing changed.
    const eve = await recordedPage(browser, ctx);
    await addAuthenticator(eve.context, eve.page);
    await firstPasskey(eve.page, EVE);
    const [evesKey] = await passkeysOf(EVE);
    expect(await post(page, `/myapps/account/security/passkeys/${evesKey.id}/remove`)).toBe(404);
    expect(await passkeysOf(EVE)).toHaveLength(1);

    // Removing one's own, while fresh: gone, the other stays; the audit log says so.
    await page.goto(account());
    await clickAndWait(page, () => page.getByRole('button', { name: 'Remove passkey Passkey' }).click(), (u) => u.search.includes('passkeyRemoved'));
    expect((await passkeysOf(DAN)).map((p) => p.name)).toEqual(['Phone']);
    // Dan's first passkey (added during a sign-in), his Phone (My Apps), Eve's first, then the removal.
    const entries = await world.foyer.foyer.db('audit_log').whereIn('activity', ['Add passkey', 'Remove passkey']).orderBy('activity_at').select('activity', 'details');
    expect(entries.map((e: { activity: string; details: string }) => [e.activity, JSON.parse(e.details).during ?? 'My Apps'])).toEqual([
      ['Add passkey', 'sign-in'],
      ['Add passkey', 'My Apps'],
      ['Add passkey', 'sign-in'],
      ['Remove passkey', 'My Apps'],
    ]);
  });
}, { timeout: 180_000 });
