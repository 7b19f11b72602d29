/**
 * Every page of the sign-in journey, in headless Chromium at desktop and phone widths: the page
 * has the tenant's branding, one heading, a main landmark, labelled inputs, no horizontal
 * scrolling on a phone, and something to do next. Screenshots land in test-artifacts/ on failure
 * (KEEP_SCREENSHOTS=1 keeps them always, to look at the pages).
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createInvitationInput } from '../../src/invitations/invitation-input.js';
import { startAppWorld, type AppWorld } from './support/app-world.js';
import { clickAndWait, HAS_CHROMIUM, describeInChromium, DESKTOP, launchChromium, PHONE, recordedPage, type Recorder } from '../support/chromium.js';

const MEMBER = { email: 'mia@contoso.example', password: 'a long and correct password' };

let world: AppWorld;
let browser: Browser;

beforeAll(async () => {
  if (!HAS_CHROMIUM) return;
  [world, browser] = await Promise.all([
    startAppWorld({
      customize: (config) => {
        (config.tenant as Record<string, unknown>).branding = { primaryColor: '#0b6e4f', termsOfUseUrl: 'https://contoso.example/terms', privacyUrl: 'https://contoso.example/privacy', supportEmail: 'help@contoso.example' };
        // An IdP open to any domain: with the email passcode, a stranger's address gets a chooser.
        // (GitHub, never clicked here: a second entry for the partner's issuer would be refused, as two IdPs may not share one.)
        (config.identityProviders as Record<string, unknown>[]).push({ type: 'github', clientId: 'chooser-only', clientSecret: 'not-used-in-this-test' });
      },
    }),
    launchChromium(),
  ]);
  await world.foyer.createMember(MEMBER.email, MEMBER.password, { name: 'Mia Member' });
});
afterAll(async () => {
  await browser?.close();
  await world?.stop();
});

/** The checks every Foyer page must pass, at both widths; screenshots for the recorder. */
async function checkPage(rec: Recorder, name: string, expected: { heading: RegExp; action?: boolean }): Promise<void> {
  const { page } = rec;
  for (const [label, size] of [['desktop', DESKTOP], ['phone', PHONE]] as const) {
    await page.setViewportSize(size);
    await rec.shot(`${name}-${label}`);
    const facts = await pageFacts(page);
    expect.soft(facts.lang, `${name}: <html lang>`).toBe('en');
    expect.soft(facts.title, `${name}: <title>`).toMatch(/Contoso/);
    expect.soft(facts.h1s, `${name}: one h1`).toHaveLength(1);
    expect.soft(facts.h1s[0], `${name}: heading`).toMatch(expected.heading);
    expect.soft(facts.mains, `${name}: one main landmark`).toBe(1);
    expect.soft(facts.unlabelled, `${name}: inputs without a label`).toEqual([]);
    expect.soft(facts.unnamedButtons, `${name}: buttons without text`).toBe(0);
    expect.soft(facts.imagesWithoutAlt, `${name}: images without alt`).toBe(0);
    expect.soft(facts.brand, `${name}: tenant name in the header`).toBe('Contoso');
    expect.soft(facts.overflow, `${name}: horizontal scrolling at ${label} width`).toBe(false);
    if (expected.action !== false) expect.soft(facts.actions, `${name}: something to do next (a button or link)`).toBeGreaterThan(0);
    if (facts.isError) expect.soft(facts.nextSteps, `${name}: an error page says what to do`).toBeGreaterThan(0);
  }
  await page.setViewportSize(DESKTOP);
}

function pageFacts(page: Page) {
  return page.evaluate(() => {
    const visible = (el: Element) => (el as HTMLElement).offsetParent !== null || getComputedStyle(el).position === 'fixed';
    const inputs = Array.from(document.querySelectorAll('input, select, textarea')).filter((el) => (el as HTMLInputElement).type !== 'hidden' && visible(el));
    return {
      lang: document.documentElement.lang,
      title: document.title,
      h1s: Array.from(document.querySelectorAll('h1')).map((h) => h.textContent?.replace(/\s+/g, ' ').trim() ?? ''),
      mains: document.querySelectorAll('main').length,
      unlabelled: inputs.filter((el) => !(el as HTMLInputElement).labels?.length && !el.getAttribute('aria-label')).map((el) => el.outerHTML.slice(0, 80)),
      unnamedButtons: Array.from(document.querySelectorAll('button')).filter((b) => !b.textContent?.trim() && !b.getAttribute('aria-label')).length,
      imagesWithoutAlt: Array.from(document.querySelectorAll('img')).filter((i) => !i.hasAttribute('alt')).length,
      brand: document.querySelector('header .tenant')?.textContent?.trim(),
      overflow: document.documentElement.scrollWidth > window.innerWidth + 1,
      actions: Array.from(document.querySelectorAll('main button, main a[href]')).filter(visible).length,
      isError: Boolean(document.querySelector('main .status.error')),
      nextSteps: document.querySelectorAll('main .next-step').length,
    };
  });
}

async function startSignIn(rec: Recorder): Promise<void> {
  await rec.page.goto(world.appUrl);
  await clickAndWait(rec.page, () => rec.page.getByRole('button', { name: 'Sign in with Foyer' }).click(), /\/interaction\//);
}

describeInChromium('the sign-in pages look like a product and are accessible', () => {
  it('identify, password (and its error), the consent screen and sign-out', async (ctx) => {
    const rec = await recordedPage(browser, ctx);
    const { page } = rec;
    await startSignIn(rec);
    await checkPage(rec, 'identify', { heading: /^Sign in$/ });

    await page.getByLabel('Email address').fill(MEMBER.email);
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByLabel('Password').waitFor();
    await checkPage(rec, 'password', { heading: /^Enter your password$|^Sign in$/ });

    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();
    await checkPage(rec, 'password-error', { heading: /^Enter your password$|^Sign in$/ });

    await page.getByLabel('Password').fill(MEMBER.password);
    await clickAndWait(page, () => page.getByRole('button', { name: 'Sign in' }).click(), (u) => u.href.startsWith(world.appUrl));

    // A third-party app (spa-app, not first-party) asks for consent.
    const auth = new URL(`${world.foyer.issuer}/auth`);
    auth.search = new URLSearchParams({
      client_id: 'spa-app',
      response_type: 'code',
      scope: 'openid profile email',
      redirect_uri: 'http://127.0.0.1:9998/callback',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
      state: 'gallery',
    }).toString();
    await page.goto(auth.href);
    await page.getByRole('button', { name: 'Allow' }).waitFor();
    await checkPage(rec, 'consent', { heading: /Allow Public SPA/ });

    await page.goto(`${world.foyer.issuer}/session/end`);
    await page.getByRole('button', { name: /sign me out/i }).waitFor();
    await checkPage(rec, 'logout', { heading: /Sign out/ });
    await page.getByRole('button', { name: /sign me out/i }).click();
    await page.getByRole('heading', { name: /signed out/i }).waitFor();
    await checkPage(rec, 'logged-out', { heading: /signed out/i, action: false });
  });

  it('redeem, the chooser, the passcode page and error pages', async (ctx) => {
    const rec = await recordedPage(browser, ctx);
    const { page } = rec;
    const invitation = await world.foyer.foyer.invitations.create(
      createInvitationInput.parse({ invitedUserEmailAddress: 'sam@elsewhere.example', inviteRedirectUrl: world.appUrl, invitedUserMessageInfo: { customizedMessageBody: 'Welcome aboard!\nSee you in the project room.' } }),
      { type: 'cli', displayName: 'Dana from Contoso' },
    );
    await page.goto(invitation.inviteRedeemUrl!);
    await checkPage(rec, 'redeem', { heading: /invit|Review/i });

    await startSignIn(rec);
    await page.getByLabel('Email address').fill('stranger@elsewhere.example');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('button', { name: /one-time passcode/i }).waitFor();
    await checkPage(rec, 'chooser', { heading: /Choose how to sign in/ });

    await page.getByRole('button', { name: /one-time passcode/i }).click();
    await page.getByLabel('Code').waitFor();
    await checkPage(rec, 'passcode', { heading: /code/i });

    await page.getByLabel('Code').fill('000000');
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('alert').waitFor();
    await checkPage(rec, 'passcode-error', { heading: /code/i });

    const notFound = await page.goto(`${world.foyer.issuer}/redeem?t=${'A'.repeat(43)}`);
    expect(notFound?.status()).toBe(404);
    await checkPage(rec, 'error-invitation-not-found', { heading: /./ });

    const badRequest = await page.goto(`${world.foyer.issuer}/auth?client_id=nobody&response_type=code&scope=openid&redirect_uri=http://127.0.0.1:1/cb`);
    expect(badRequest?.status()).toBe(400);
    await checkPage(rec, 'error-protocol', { heading: /./ });
  });
});
