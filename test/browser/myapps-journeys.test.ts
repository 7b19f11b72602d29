import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { api, appToken } from '../support/api-client.js';
import { latestOutboxMail, redeemUrlIn } from '../support/guest-world.js';
import { describeInChromium, launchChromium, newContext, PHONE } from '../support/chromium.js';
import { accessibilityBasics, partnerLogin, PASSWORD, startMyAppsWorld, type MyAppsWorld } from './browser-support.js';

describeInChromium('My Apps in a real browser', () => {
  let world: MyAppsWorld;
  let browser: Browser;
  let admin: string;

  beforeAll(async () => {
    world = await startMyAppsWorld();
    browser = await launchChromium();
    admin = await appToken(world.issuer, 'admin-app');
    await world.foyer.createMember('owner@contoso.example', PASSWORD, { name: 'Olga Owner' });
  });
  afterAll(async () => {
    await browser?.close();
    await world?.stop();
  });

  /** Invites by API and returns the redeem link from the mail. */
  async function invite(email: string, redirect: string): Promise<{ userId: string; link: string }> {
    const res = await api(world.issuer, admin, 'POST', '/invitations', { invitedUserEmailAddress: email, inviteRedirectUrl: redirect, sendInvitationMessage: true });
    expect(res.status).toBe(201);
    return { userId: (res.body.invitedUser as { id: string }).id, link: redeemUrlIn(latestOutboxMail(world.foyer)) };
  }

  /** Opens a redeem link, accepts, and signs in at the partner. */
  async function redeem(page: Page, link: string, login: string): Promise<void> {
    await page.goto(link);
    await expect(page.locator('h1').textContent()).resolves.toBe('Review permissions');
    await page.click('button:has-text("Accept and sign in")');
    await partnerLogin(page, login);
  }

  const tiles = (page: Page) => page.locator('#apps li.app').evaluateAll((els) => els.map((e) => e.getAttribute('data-app-id')));

  it('a guest signs in and sees exactly their apps', async (ctx) => {
    const { userId, link } = await invite('alice@partner.example', `${world.issuer}/myapps`);
    expect((await api(world.issuer, admin, 'POST', `/users/${userId}/appRoleAssignments`, { principalId: userId, resourceId: 'demo-app' })).status).toBe(201);
    const first = await (await newContext(browser, ctx)).newPage();
    await redeem(first, link, 'alice');
    await first.waitForURL(`${world.issuer}/myapps`);

    // Another day, another browser (a phone): sign in from scratch through the partner.
    const page = await (await newContext(browser, ctx, PHONE)).newPage();
    await page.goto(`${world.issuer}/myapps`);
    await page.getByLabel('Email address').fill('alice@partner.example');
    await page.keyboard.press('Enter');
    await partnerLogin(page, 'alice');
    await page.waitForURL(`${world.issuer}/myapps`);
    expect(await page.locator('h1').textContent()).toBe('My Apps');
    expect(await tiles(page)).toEqual(['web-app', 'demo-app']);
    expect(await page.getByRole('link', { name: 'Demo app' }).getAttribute('href')).toBe(world.demoLaunch);
    expect(await page.locator('body').textContent()).not.toContain('CRM');
    const a11y = await accessibilityBasics(page);
    expect(a11y).toEqual({ h1: 1, unlabelled: [], overflow: 0, lang: 'en' });
  });

  it('an app owner invites a guest into their app; the guest redeems and launches the app', async (ctx) => {
    const owner = await (await newContext(browser, ctx)).newPage();
    await owner.goto(`${world.issuer}/myapps`);
    await owner.getByLabel('Email address').fill('owner@contoso.example');
    await owner.click('button:has-text("Next")');
    await owner.getByLabel('Password').fill(PASSWORD);
    await owner.click('button:has-text("Sign in")');
    await owner.waitForURL(`${world.issuer}/myapps`);
    await owner.getByRole('link', { name: 'Manage app Demo app' }).click();
    expect(await owner.locator('h1').textContent()).toBe('Guests of Demo app');
    expect(await accessibilityBasics(owner)).toMatchObject({ h1: 1, unlabelled: [] });

    // Keyboard only: type into the labelled fields and press Enter.
    await owner.getByLabel('Guest’s email address').fill('gina@partner.example');
    await owner.getByLabel('Name (optional)').fill('Gina');
    await owner.getByLabel('Name (optional)').press('Enter');
    await owner.waitForURL(/notice=invited/);
    expect(await owner.getByRole('status').textContent()).toContain('Invitation sent.');
    const gina = owner.locator('li.guest', { hasText: 'gina@partner.example' });
    expect(await gina.getAttribute('data-state')).toBe('pending');

    const guest = await (await newContext(browser, ctx)).newPage();
    await redeem(guest, redeemUrlIn(latestOutboxMail(world.foyer)), 'gina');
    // The invitation's redirect is the app's launch URL: the demo app signs her in with Foyer.
    await guest.waitForURL(world.demoHome);
    expect(await guest.locator('#user-name').textContent()).toBe('Gina');

    await owner.reload();
    expect(await gina.getAttribute('data-state')).toBe('accepted');
  });

  it('a guest leaves the organisation and can no longer sign in', async (ctx) => {
    const { userId, link } = await invite('leo@partner.example', world.demoLaunch);
    await api(world.issuer, admin, 'POST', `/users/${userId}/appRoleAssignments`, { principalId: userId, resourceId: 'demo-app' });
    const page = await (await newContext(browser, ctx)).newPage();
    await redeem(page, link, 'leo');
    await page.waitForURL(world.demoHome);
    expect(await page.locator('#user-name').textContent()).toBe('leo');

    await page.goto(`${world.issuer}/myapps/account`);
    await page.getByRole('link', { name: 'Leave the organisation…' }).click();
    expect(await page.locator('h1').textContent()).toBe('Leave Contoso Test?');
    await page.getByRole('button', { name: 'Leave Contoso Test' }).click();
    await page.waitForSelector('h1:has-text("You have left Contoso Test")');

    // Launching the app again starts a new sign-in at Foyer, which refuses the address.
    await page.goto(world.demoLaunch);
    await page.getByLabel('Email address').fill('leo@partner.example');
    await page.click('button:has-text("Next")');
    await page.waitForSelector('h1');
    expect(await page.locator('h1').textContent()).toBe('Access denied');
    expect(await page.locator('code').first().textContent()).toBe('accountDisabled');
    expect(page.url().startsWith(world.demoHome)).toBe(false);
    expect((await world.foyer.foyer.db('users').where({ id: userId }).first()).account_enabled).toBeFalsy();
  });
}, { timeout: 120_000 });
