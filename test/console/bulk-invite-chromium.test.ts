/**
 * The bulk invitation pages in a real Chromium at desktop (1280px) and phone (390px) width: one
 * h1, every control labelled and reachable with Tab with visible focus, no horizontal scroll; a
 * file chosen with the file picker is checked, its bad rows listed, confirmed, and the progress
 * page (which reloads itself) ends at the finished job with its result file.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeInChromium, launchChromium, newContext } from '../support/chromium.js';
import { DESKTOP_WIDTH, expectUsablePage, PHONE_WIDTH } from '../support/page-checks.js';
import { PASSWORD, startWorld, type World } from '../support/world.js';

const INVITER = 'inviter@contoso.example';

describeInChromium('bulk invite in Chromium', () => {
  let world: World;
  let browser: Browser;

  beforeAll(async () => {
    world = await startWorld({ foyerHost: 'localhost', members: [{ email: INVITER, name: 'Ines Inviter' }] });
    await world.foyer.foyer.users.setRoles(world.members[INVITER]!, ['guestInviter']);
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await world?.stop();
  });

  async function signedIn(page: Page): Promise<void> {
    await page.goto(`${world.issuer}/myapps`);
    await page.getByLabel('Email address').fill(INVITER);
    await page.keyboard.press('Enter');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.keyboard.press('Enter');
    await page.waitForURL(`${world.issuer}/myapps`);
  }

  for (const [name, viewport] of [['desktop', DESKTOP_WIDTH], ['phone', PHONE_WIDTH]] as const) {
    it(`upload, check, confirm and follow the progress at ${name} width, with the keyboard`, async (ctx) => {
      const page = await (await newContext(browser, ctx, viewport)).newPage();
      await signedIn(page);
      await page.goto(`${world.issuer}/myapps/admin/invite`);
      expect(await page.locator('h1').textContent()).toBe('Bulk invite');
      await expectUsablePage(page, `upload page at ${name}`);

      const csv = ['email,displayName,sendMail', `${name}-1@bulk.example,One,false`, `${name}-2@bulk.example,Two,false`, `a-very-long-address-that-should-wrap-${'x'.repeat(60)}@bulk.example,Long,maybe`, ''].join('\n');
      await page.getByLabel('CSV file', { exact: true }).setInputFiles({ name: `${name}.csv`, mimeType: 'text/csv', buffer: Buffer.from(csv) });
      await page.getByRole('button', { name: 'Check the file' }).focus();
      await Promise.all([page.waitForURL(/\/myapps\/admin\/invite\/[0-9a-f-]{36}$/), page.keyboard.press('Enter')]);
      await expect.poll(() => page.locator('#counts').textContent()).toContain('3 rows: 2 valid, 1 with problems.');
      expect(await page.locator('#problems li').count()).toBe(1);
      expect(await page.locator('#problems li').textContent()).toContain('Line 4');
      await expectUsablePage(page, `confirmation page at ${name}`);
      expect(await world.foyer.foyer.db('invitations').where('invited_email', 'like', `${name}-%`).count({ n: '*' }).first()).toEqual({ n: 0 });

      await page.getByRole('button', { name: 'Send 2 invitations' }).focus();
      await Promise.all([page.waitForURL(/notice=confirmed$/), page.keyboard.press('Enter')]);
      await world.foyer.foyer.bulkInvitations.drain();
      // The page reloads itself while rows are sent; a reload shows where the job stands.
      await page.reload();
      await expect.poll(() => page.locator('#state').textContent()).toContain('2 invited, 0 failed.');
      expect(await page.locator('#progress').getAttribute('value')).toBe('2');
      await expectUsablePage(page, `finished job at ${name}`);
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: /Download the result file/ }).click()]);
      expect(download.suggestedFilename()).toMatch(/^bulk-invitations-[0-9a-f-]{36}\.csv$/);
    }, 240_000);
  }
});
