/**
 * A failed sign-in never leaves the app's button dead, in headless Chromium: a guest cancels at
 * their own IdP, types a wrong passcode, or is refused by a conditional access policy; from Foyer's
 * page they get back to the demo app, press its "Sign in with Foyer" button again, and the sign-in
 * runs (to the end, where nothing refuses it any more). Chromium applies a page's CSP form-action to
 * every redirect that follows a form submission (the app's button → Foyer → an upstream IdP → the
 * app's redirect URI), so the test also fails on any CSP violation Chromium reports in the console.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { securityHeaders } from '../../src/http/security-headers.js';
import { clickAndWait, describeInChromium, HAS_CHROMIUM, launchChromium, recordedPage, type Recorder } from '../support/chromium.js';
import { startWorld, type World } from '../support/world.js';
import { partnerLogin } from '../browser/browser-support.js';

let world: World;
let browser: Browser;

beforeAll(async () => {
  if (!HAS_CHROMIUM) return;
  [world, browser] = await Promise.all([
    startWorld({
      foyerHost: 'localhost',
      oidc: [{ trustMfa: true }],
      portal: true,
      demoApp: true,
      customize: (config) => {
        config.conditionalAccess = [
          { id: 'block-bob', displayName: 'Bob may not use the demo app', state: 'enabled', conditions: { users: { includeUsers: ['bob@partner.example'] }, applications: { includeApplications: ['demo-app'] } }, grantControls: { operator: 'OR', builtInControls: ['block'] } },
        ];
      },
    }),
    launchChromium(),
  ]);
  for (const email of ['alice@partner.example', 'bob@partner.example', 'sam@elsewhere.example']) await world.invite(email, { inviteRedirectUrl: world.appUrl, sendInvitationMessage: false });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await world?.stop();
});

/** Everything Chromium says about a Content Security Policy on this page (a blocked form post or redirect shows here). */
function cspViolations(page: Page): string[] {
  const seen: string[] = [];
  page.on('console', (msg) => {
    if (/Content Security Policy|form-action/i.test(msg.text())) seen.push(msg.text());
  });
  return seen;
}

/** The demo app's button, pressed: the browser must leave the app for Foyer's sign-in. */
async function pressSignIn(page: Page): Promise<void> {
  await clickAndWait(page, () => page.getByRole('button', { name: 'Sign in with Foyer' }).click(), (u) => u.origin === world.issuer && u.pathname.startsWith('/interaction/'));
}

async function identify(page: Page, email: string): Promise<void> {
  await page.getByLabel('Email address').fill(email);
  await page.getByRole('button', { name: 'Next' }).click();
}

/** From the app's error page after Foyer answered access_denied, back to its home page and its button. */
async function backAtTheAppsButton(rec: Recorder): Promise<void> {
  const { page } = rec;
  await page.waitForURL((u) => u.href.startsWith(`${world.appUrl}callback?`));
  expect(await page.getByRole('alert').innerText()).toMatch(/Signing in did not work/);
  await rec.shot('app-error');
  await clickAndWait(page, () => page.getByRole('link', { name: 'Sign in again' }).click(), world.appUrl);
}

const codeIn = (mail: string) => /\b(\d{6})\b/.exec(mail.replace(/=\r?\n/g, '').split(/\r?\n\r?\n/).slice(1).join('\n'))![1]!;

describeInChromium('a failed sign-in leads back to a working sign-in button', () => {
  it('cancelled at the upstream IdP: Foyer links back to the app, whose button then signs the guest in', async (ctx) => {
    const rec = await recordedPage(browser, ctx);
    const { page } = rec;
    const csp = cspViolations(page);
    await page.goto(world.appUrl);
    await pressSignIn(page);
    await identify(page, 'alice@partner.example');
    await page.getByRole('button', { name: 'Cancel' }).click();
    // Foyer's page for the refused answer says what happened and offers the way back.
    await page.getByRole('link', { name: 'Return to Demo app' }).waitFor();
    await rec.shot('foyer-cancelled');
    await page.getByRole('link', { name: 'Return to Demo app' }).click();
    await backAtTheAppsButton(rec);

    await pressSignIn(page);
    await identify(page, 'alice@partner.example');
    await partnerLogin(page, 'alice');
    await page.waitForURL(world.appUrl);
    expect(await page.locator('#claims').innerText()).toContain('alice@partner.example');
    expect(csp).toEqual([]);
  }, 90_000);

  it('a wrong passcode: back at the app, its button starts a sign-in that a right code finishes', async (ctx) => {
    const rec = await recordedPage(browser, ctx);
    const { page } = rec;
    const csp = cspViolations(page);
    await page.goto(world.appUrl);
    await pressSignIn(page);
    await identify(page, 'sam@elsewhere.example');
    await page.getByLabel('Code').fill('000000');
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('alert').waitFor();
    await rec.shot('wrong-code');
    // The person gives up on this attempt and opens the app again (its address, or Back).
    await page.goto(world.appUrl);
    await pressSignIn(page);
    await identify(page, 'sam@elsewhere.example');
    await page.getByLabel('Code').waitFor();
    await page.getByLabel('Code').fill(codeIn(await world.latestMail('sam@elsewhere.example')));
    await clickAndWait(page, () => page.getByRole('button', { name: 'Verify' }).click(), world.appUrl);
    expect(await page.locator('#claims').innerText()).toContain('sam@elsewhere.example');
    expect(csp).toEqual([]);
  }, 90_000);

  it('refused by a policy: "Return to Demo app" leads to the app, and its button reaches Foyer again', async (ctx) => {
    const rec = await recordedPage(browser, ctx);
    const { page } = rec;
    const csp = cspViolations(page);
    await page.goto(world.appUrl);
    await pressSignIn(page);
    await identify(page, 'bob@partner.example');
    await partnerLogin(page, 'bob');
    await page.getByRole('heading', { name: 'Access blocked' }).waitFor();
    await rec.shot('blocked');
    await page.getByRole('link', { name: 'Return to Demo app' }).click();
    await backAtTheAppsButton(rec);
    // Bob is signed in at Foyer now, so the button goes straight to Foyer's decision, which still blocks him.
    await clickAndWait(page, () => page.getByRole('button', { name: 'Sign in with Foyer' }).click(), (u) => u.origin === world.issuer);
    await page.getByRole('heading', { name: 'Access blocked' }).waitFor();
    expect(csp).toEqual([]);
  }, 90_000);
});

it("Foyer's pages set no form-action: their forms redirect on to upstream IdPs and to apps' redirect URIs, which Chromium checks against it", () => {
  const headers = new Map<string, string>();
  securityHeaders({ hsts: false }).browser({ setHeader: (name: string, value: string) => headers.set(name, value) } as never);
  const csp = headers.get('Content-Security-Policy')!;
  expect(csp).toContain("default-src 'self'");
  // form-action does not fall back to default-src, so leaving it out leaves form posts (and their redirects) unrestricted.
  expect(csp).not.toMatch(/form-action/);
});
