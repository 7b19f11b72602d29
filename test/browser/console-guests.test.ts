/**
 * The console's guest table and a guest's page in Chromium, at desktop (1280 px) and phone
 * (390 px) width, by keyboard only: every control labelled and reached by Tab with a visible
 * focus, no horizontal scroll; search, next page, open a guest, disable after confirming.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { seedGuests, type SeededGuest } from '../../bench/lib/seed-guests.js';
import { describeInChromium, launchChromium, newContext } from '../support/chromium.js';
import { expectUsablePage } from '../support/page-checks.js';
import { PASSWORD, startWorld, type World } from '../support/world.js';

const WIDTHS = [
  ['desktop', { width: 1280, height: 800 }],
  ['phone', { width: 390, height: 844 }],
] as const;

describeInChromium('the console guest pages in a real browser', () => {
  let world: World;
  let browser: Browser;
  let guests: SeededGuest[];

  beforeAll(async () => {
    world = await startWorld({ foyerHost: 'localhost', oidc: true, members: [{ email: 'admin@contoso.example', admin: true, name: 'Ada Admin' }] });
    guests = await seedGuests(world.foyer.foyer.db, { count: 120, idps: ['partner'], sponsorIds: [world.members['admin@contoso.example']!], inviterIds: [world.members['admin@contoso.example']!] });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await world?.stop();
  });

  /** Signs the admin in with the keyboard only (type, Enter). */
  async function signIn(page: Page): Promise<void> {
    await page.goto(`${world.issuer}/myapps/admin/guests`);
    await page.getByLabel('Email address').fill('admin@contoso.example');
    await page.keyboard.press('Enter');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.keyboard.press('Enter');
    await page.waitForURL(`${world.issuer}/myapps/admin/guests`);
  }

  async function expectAccessible(page: Page): Promise<void> {
    await expectUsablePage(page);
  }

  for (const [name, viewport] of WIDTHS) {
    it(`the table at ${name} width: labelled, Tab reaches everything, searches and pages by keyboard`, async (ctx) => {
      const page = await (await newContext(browser, ctx, viewport)).newPage();
      await signIn(page);
      expect(await page.locator('#guest-count').textContent()).toContain('120 guests match');
      await expectAccessible(page);
      // Search by keyboard: focus the field, type, Enter.
      await page.getByLabel('Name, email or domain starts with').focus();
      await page.keyboard.type('guest01');
      await page.keyboard.press('Enter');
      await page.waitForURL(/q=guest01/);
      expect(await page.locator('tr.guest').count()).toBe(10);
      // Next page by keyboard.
      await page.goto(`${world.issuer}/myapps/admin/guests?sort=name&dir=asc`);
      await page.locator('#next-page').focus();
      await page.keyboard.press('Enter');
      await page.waitForURL(/after=/);
      const names = await page.locator('tr.guest td[data-label=Name]').allTextContents();
      expect(names[0]).toBe([...guests].sort((a, b) => a.displayName.localeCompare(b.displayName))[50]!.displayName);
      await expectAccessible(page);
    });

    it(`a guest's page at ${name} width: accessible, and disable asks first, then says who did what`, async (ctx) => {
      const page = await (await newContext(browser, ctx, viewport)).newPage();
      await signIn(page);
      const guest = guests.find((g, i) => g.state === 'accepted' && i % 2 === (name === 'desktop' ? 0 : 1))!;
      await page.goto(`${world.issuer}/myapps/admin/guests?q=${guest.mail}`);
      await page.getByRole('link', { name: guest.displayName }).focus();
      await page.keyboard.press('Enter');
      await page.waitForURL(`${world.issuer}/myapps/admin/guests/${guest.id}`);
      await expectAccessible(page);
      await page.getByRole('button', { name: 'Disable', exact: true }).focus();
      await page.keyboard.press('Enter');
      await page.waitForURL(`${world.issuer}/myapps/admin/guests/${guest.id}/disable`);
      expect(await page.locator('h1').textContent()).toBe(`Disable ${guest.displayName}?`);
      expect((await world.foyer.foyer.db('users').where({ id: guest.id }).first()).account_enabled).toBeTruthy();
      await expectAccessible(page);
      await page.getByRole('button', { name: 'Disable' }).focus();
      await page.keyboard.press('Enter');
      await page.waitForURL(/\?done=/);
      expect(await page.locator('#notice').textContent()).toContain(`Ada Admin (admin@contoso.example): Disable account: ${guest.displayName} (${guest.mail})`);
      expect(await page.locator('#guest-state').getAttribute('data-state')).toBe('disabled');
      expect((await world.foyer.foyer.db('users').where({ id: guest.id }).first()).account_enabled).toBeFalsy();
    });
  }
}, { timeout: 180_000 });
