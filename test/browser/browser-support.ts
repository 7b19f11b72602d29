/**
 * What the My Apps browser tests need besides the Chromium launcher (test/support/chromium.ts):
 * their world (a preset of test/support/world.ts: Foyer as http://localhost:PORT, the partner
 * organisation's IdP on 127.0.0.1, the demo app behind an assignment, a CRM tile, an admin app),
 * the partner's login form, and the accessibility basics every page must pass.
 */
import type { Page } from 'playwright-core';
import { PARTNER_USERS, type PartnerIdp } from '../support/partner-idp.js';
import { DEMO_SECRET, type RunningFoyer } from '../support/start-foyer.js';
import { daemonApp, partnerUser, startWorld } from '../support/world.js';

export { PASSWORD, partnerUser } from '../support/world.js';
// The launcher is test/support/chromium.ts; these names stay importable from here.
export { CHROMIUM_PATH as CHROMIUM, HAS_CHROMIUM, launchChromium, newContext, PHONE } from '../support/chromium.js';

/** Signs in at the partner's login form (a real page a person could use). */
export async function partnerLogin(page: Page, login: string): Promise<void> {
  await page.waitForSelector('input[name=login]');
  await page.fill('input[name=login]', login);
  await page.click('button:has-text("Sign in")');
}

/** Checks what a keyboard and screen reader user needs on the current page: one h1, every control labelled, nothing wider than the screen. */
export async function accessibilityBasics(page: Page): Promise<{ h1: number; unlabelled: string[]; overflow: number; lang: string | null }> {
  return page.evaluate(() => {
    const controls = Array.from(document.querySelectorAll('input:not([type=hidden]), select, textarea, button'));
    const unlabelled = controls
      .filter((el) => {
        const labels = (el as HTMLInputElement).labels;
        return !(labels && labels.length) && !el.getAttribute('aria-label') && !(el.textContent ?? '').trim();
      })
      .map((el) => el.outerHTML.slice(0, 80));
    return {
      h1: document.querySelectorAll('h1').length,
      unlabelled,
      overflow: document.documentElement.scrollWidth - window.innerWidth,
      lang: document.documentElement.getAttribute('lang'),
    };
  });
}

export interface MyAppsWorld {
  foyer: RunningFoyer;
  issuer: string;
  partner: PartnerIdp;
  /** The demo app's launch URL: /login, which signs in with Foyer and shows the user's name. */
  demoLaunch: string;
  demoHome: string;
  stop(): Promise<void>;
}

export async function startMyAppsWorld(): Promise<MyAppsWorld> {
  const world = await startWorld({
    foyerHost: 'localhost',
    oidc: [{ users: { ...PARTNER_USERS, gina: partnerUser('gina'), leo: partnerUser('leo') } }],
    demoApp: { launchPath: 'login', entry: { assignmentRequired: true, owners: ['owner@contoso.example'] } },
    apps: [
      { id: 'crm', displayName: 'CRM', clientSecret: DEMO_SECRET, redirectUris: ['http://127.0.0.1:9997/callback'], launchUrl: 'http://127.0.0.1:9997/', assignmentRequired: true },
      daemonApp('admin-app', ['User.Invite.All', 'User.ReadWrite.All', 'Group.ReadWrite.All'], 'Admin tool'),
    ],
    customize: (config) => {
      config.delegatedManagement = { appOwnersCanInvite: true };
    },
  });
  const demoHome = world.appUrl;
  return { foyer: world.foyer, issuer: world.issuer, partner: world.partner, demoLaunch: `${demoHome}login`, demoHome, stop: world.stop };
}
