/**
 * What the My Apps browser tests need: headless Chromium (Debian's package, driven by
 * playwright-core), a context per test that keeps a screenshot under test-artifacts/browser/
 * when the test fails, and a world of real peers: Foyer, the partner organisation's IdP (a second
 * oidc-provider) and the demo app (examples/demo-app, a child process) signing in with Foyer.
 *
 * Foyer answers as http://localhost:PORT and the partner as http://127.0.0.1:PORT: a browser
 * shares cookies between the ports of one host, and both servers use oidc-provider's cookie names.
 */
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { TestContext } from 'vitest';
import { projectRoot } from '../../src/lib/project-root.js';
import { PARTNER_USERS, startPartnerIdp, type PartnerIdp, type PartnerUser } from '../support/partner-idp.js';
import { DEMO_SECRET, freePort, startFoyer, type RunningFoyer } from '../support/start-foyer.js';
import { startDemoApp } from '../support/demo-app-process.js';

export const CHROMIUM = '/usr/bin/chromium';
export const HAS_CHROMIUM = existsSync(CHROMIUM);
const ARTIFACTS = join(projectRoot, 'test-artifacts', 'browser');
const PARTNER_SECRET = 'partner-client-secret-0123456789abcdef';
export const PASSWORD = 'correct horse battery staple';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}

export const PHONE = { width: 375, height: 740 };

/** A fresh context (own cookies) for one test; on failure its pages are photographed into test-artifacts/browser/. */
export async function newContext(browser: Browser, ctx: TestContext, viewport = { width: 1100, height: 800 }): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport, locale: 'en-GB' });
  context.setDefaultTimeout(20_000);
  context.setDefaultNavigationTimeout(30_000);
  const name = ctx.task.name.replace(/[^A-Za-z0-9]+/g, '-').slice(0, 60);
  ctx.onTestFinished(async () => {
    if (ctx.task.result?.state === 'fail') {
      mkdirSync(ARTIFACTS, { recursive: true });
      for (const [i, page] of context.pages().entries()) {
        await page.screenshot({ path: join(ARTIFACTS, `${name}-${i + 1}.png`), fullPage: true }).catch(() => {});
        console.error(`screenshot of "${ctx.task.name}" page ${i + 1} (${page.url()}) is in ${ARTIFACTS}`);
      }
    }
    await context.close().catch(() => {});
  });
  return context;
}

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

export const partnerUser = (login: string): PartnerUser => ({ sub: `${login}-sub`, email: `${login}@partner.example`, emailVerified: true, name: login, amr: ['pwd'] });

export async function startMyAppsWorld(): Promise<MyAppsWorld> {
  const [foyerPort, appPort] = [await freePort(), await freePort()];
  const issuer = `http://localhost:${foyerPort}`;
  const demoHome = `http://localhost:${appPort}/`;
  const partner = await startPartnerIdp({
    conformIdTokenClaims: false,
    users: { ...PARTNER_USERS, gina: partnerUser('gina'), leo: partnerUser('leo') },
    clients: [{ clientId: 'foyer', clientSecret: PARTNER_SECRET, authMethod: 'client_secret_basic', redirectUris: [`${issuer}/federation/partner/callback`] }],
  });
  let foyer: RunningFoyer | undefined;
  let app: ChildProcess | undefined;
  try {
    foyer = await startFoyer(
      (config) => {
        config.issuer = issuer;
        const apps = config.apps as Record<string, unknown>[];
        apps[0]!.launchUrl = 'http://127.0.0.1:9999/';
        apps.push(
          {
            id: 'demo-app',
            displayName: 'Demo app',
            clientSecret: DEMO_SECRET,
            redirectUris: [`${demoHome}callback`],
            postLogoutRedirectUris: [demoHome],
            firstParty: true,
            launchUrl: `${demoHome}login`,
            assignmentRequired: true,
            owners: ['owner@contoso.example'],
          },
          { id: 'crm', displayName: 'CRM', clientSecret: DEMO_SECRET, redirectUris: ['http://127.0.0.1:9997/callback'], launchUrl: 'http://127.0.0.1:9997/', assignmentRequired: true },
          { id: 'admin-app', displayName: 'Admin tool', clientSecret: DEMO_SECRET, grantTypes: ['client_credentials'], permissions: ['User.Invite.All', 'User.ReadWrite.All', 'Group.ReadWrite.All'] },
        );
        config.identityProviders = [{ id: 'partner', type: 'oidc', displayName: 'Partner Org', issuer: partner.issuer, clientId: 'foyer', clientSecret: PARTNER_SECRET, domains: ['partner.example'] }];
        config.delegatedManagement = { appOwnersCanInvite: true };
      },
      { port: foyerPort },
    );
    app = await startDemoApp({ port: appPort, appUrl: demoHome, issuer });
  } catch (err) {
    app?.kill('SIGKILL');
    await foyer?.stop();
    await partner.close();
    throw err;
  }
  const running = foyer;
  const child = app;
  return {
    foyer: running,
    issuer,
    partner,
    demoLaunch: `${demoHome}login`,
    demoHome,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
      await running.stop();
      await partner.close();
    },
  };
}

