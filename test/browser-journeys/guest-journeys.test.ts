/**
 * Guests in a real browser (headless Chromium) against Foyer, a partner organisation's IdP and
 * the demo app: an expired invitation link, a guest whose own IdP did MFA passing Foyer's MFA
 * policy without a prompt, and signing out of the app ending the Foyer session too.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createInvitationInput } from '../../src/invitations/invitation-input.js';
import { requireMfaFor, startAppWorld, DEMO_APP_ID, type AppWorld } from './support/app-world.js';
import { clickAndWait, HAS_CHROMIUM, describeInChromium, launchChromium, recordedPage, type Recorder } from '../support/chromium.js';

let world: AppWorld;
let browser: Browser;

beforeAll(async () => {
  if (!HAS_CHROMIUM) return;
  [world, browser] = await Promise.all([startAppWorld({ policies: [requireMfaFor(DEMO_APP_ID)], trustMfa: true }), launchChromium()]);
});
afterAll(async () => {
  await browser?.close();
  await world?.stop();
});

async function invite(email: string): Promise<{ id: string; redeemUrl: string }> {
  const created = await world.foyer.foyer.invitations.create(
    createInvitationInput.parse({ invitedUserEmailAddress: email, inviteRedirectUrl: `${world.appUrl}login` }),
    { type: 'cli', displayName: 'Dana from Contoso' },
  );
  return { id: created.id, redeemUrl: created.inviteRedeemUrl! };
}

/** Every URL the tab showed, to prove which pages a journey did (not) pass through. */
function trackPages(page: Page): URL[] {
  const seen: URL[] = [];
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) seen.push(new URL(frame.url()));
  });
  return seen;
}

/** At the test partner's login form: sign in as one of its users. */
async function signInAtPartner(rec: Recorder, login: string): Promise<void> {
  const { page } = rec;
  await page.waitForURL((u) => u.origin === world.partner.issuer);
  await rec.shot('partner-sign-in');
  await page.getByLabel('User').fill(login);
  await clickAndWait(page, () => page.getByRole('button', { name: 'Sign in' }).click(), (u) => u.href.startsWith(world.appUrl));
}

/** The claims table of the demo app's home page. */
async function claimsOf(page: Page): Promise<Record<string, string>> {
  await page.locator('#claims').waitFor();
  const rows = await page.locator('#claims tbody tr').evaluateAll((trs) => trs.map((tr) => [tr.querySelector('th')!.textContent!.trim(), tr.querySelector('td')!.textContent!.trim()]));
  return Object.fromEntries(rows);
}

describeInChromium('guests in the browser', () => {
  it('a guest with an expired link sees what happened and what to do', async (ctx) => {
    const rec = await recordedPage(browser, ctx);
    const { page } = rec;
    const { id, redeemUrl } = await invite('carol@elsewhere.example');
    await world.foyer.foyer.db('invitations').where({ id }).update({ expires_at: new Date(Date.now() - 60_000).toISOString() });

    const response = await page.goto(redeemUrl);
    await rec.shot('expired-link');
    expect(response?.status()).toBe(410);
    await expect.poll(() => page.locator('h1').textContent()).toMatch(/\S/);
    const main = (await page.locator('main').innerText()).replace(/\s+/g, ' ');
    expect(main).toMatch(/expired/i);
    // What to do next: ask for a new invitation.
    expect(main).toMatch(/new invitation|ask/i);
    expect(main).toContain('Error code: invitationExpired');
    // Nothing on the page lets the guest go on with the dead link.
    expect(await page.getByRole('button', { name: /accept/i }).count()).toBe(0);
  });

  it('a guest whose own IdP did MFA passes the MFA policy without a prompt', async (ctx) => {
    const rec = await recordedPage(browser, ctx);
    const { page } = rec;
    const seen = trackPages(page);
    const { redeemUrl } = await invite('bob@partner.example');

    await page.goto(redeemUrl);
    await rec.shot('redeem');
    await page.getByRole('button', { name: 'Accept and sign in' }).click();
    await signInAtPartner(rec, 'bob');
    const claims = await claimsOf(page);
    await rec.shot('signed-in');

    expect(claims.email).toBe('bob@partner.example');
    expect(claims.user_type).toBe('Guest');
    // The partner's MFA counts: amr says so, and no Foyer MFA page was ever shown.
    expect(JSON.parse(claims.amr!)).toContain('mfa');
    expect(seen.filter((u) => u.origin === world.foyer.issuer && /\/mfa\b/.test(u.pathname))).toEqual([]);
    expect(await page.getByRole('heading', { name: /authenticator/i }).count()).toBe(0);
  });

  it('signing out of the app ends the Foyer session too', async (ctx) => {
    const rec = await recordedPage(browser, ctx);
    const { page } = rec;
    // bob signs in from the app (his invitation is redeemed by the test above, or by this sign-in).
    await page.goto(world.appUrl);
    await clickAndWait(page, () => page.getByRole('button', { name: 'Sign in with Foyer' }).click(), (u) => u.origin === world.foyer.issuer);
    await page.getByLabel('Email address').fill('bob@partner.example');
    await page.getByRole('button', { name: 'Next' }).click();
    await signInAtPartner(rec, 'bob');
    await page.locator('#user-name').waitFor();
    await rec.shot('signed-in');

    // Single sign-on works while the Foyer session lives: a new sign-in needs no page at all.
    await clickAndWait(page, () => page.getByRole('link', { name: 'Sign out' }).click(), (u) => u.origin === world.foyer.issuer);
    await page.getByRole('button', { name: 'Yes, sign me out' }).waitFor();
    await rec.shot('sign-out-confirm');
    expect(await page.locator('main').innerText()).toContain('Demo app');
    await clickAndWait(page, () => page.getByRole('button', { name: 'Yes, sign me out' }).click(), (u) => u.href.startsWith(world.appUrl));
    await page.getByRole('button', { name: 'Sign in with Foyer' }).waitFor();
    await rec.shot('back-in-app-signed-out');

    // The Foyer session is gone: signing in again asks who you are.
    await clickAndWait(page, () => page.getByRole('button', { name: 'Sign in with Foyer' }).click(), (u) => u.origin === world.foyer.issuer);
    await page.getByLabel('Email address').waitFor();
    await rec.shot('asked-again');
    expect(await page.locator('h1').textContent()).toBe('Sign in');
  });
});
