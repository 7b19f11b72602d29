/**
 * Headless Chromium (Debian's package, driven by playwright-core: no browser download) and a
 * recorder that keeps a screenshot of every page a test passes through, written to
 * test-artifacts/browser-journeys/ when the test fails (or always with KEEP_SCREENSHOTS=1).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { TestContext } from 'vitest';
import { projectRoot } from '../../../src/lib/project-root.js';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const ARTIFACTS = join(projectRoot, 'test-artifacts', 'browser-journeys');

/** CI installs Debian's chromium (.ci/run); elsewhere the suites say why they were skipped. */
export const HAS_CHROMIUM = existsSync(CHROMIUM_PATH);
export const NO_CHROMIUM = HAS_CHROMIUM ? '' : ` (skipped: no Chromium at ${CHROMIUM_PATH}; apt-get install chromium)`;

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
}

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

export interface Recorder {
  page: Page;
  context: BrowserContext;
  /** Keeps a screenshot of the page as it is now, named for the step. */
  shot(step: string): Promise<void>;
}

/**
 * A fresh browser context (its own cookies) for one test. Screenshots are taken in memory and
 * written out only if the test fails, with one more of the page as it was at the failure.
 */
export async function recordedPage(browser: Browser, ctx: TestContext, opts: { viewport?: { width: number; height: number } } = {}): Promise<Recorder> {
  const context = await browser.newContext({ viewport: opts.viewport ?? DESKTOP, locale: 'en-GB' });
  context.setDefaultTimeout(15_000);
  context.setDefaultNavigationTimeout(20_000);
  const page = await context.newPage();
  const shots: { step: string; png: Buffer }[] = [];
  const testName = ctx.task.name.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 80);
  const write = (dir: string) => {
    mkdirSync(dir, { recursive: true });
    shots.forEach((s, i) => writeFileSync(join(dir, `${String(i + 1).padStart(2, '0')}-${s.step}.png`), s.png));
  };
  // onTestFinished runs before onTestFailed hooks, so one hook does both: keep, then close.
  ctx.onTestFinished(async () => {
    const failed = ctx.task.result?.state === 'fail';
    if (failed) {
      try {
        shots.push({ step: 'at-failure', png: await page.screenshot({ fullPage: true }) });
      } catch {
        /* the page may be gone */
      }
      console.error(`screenshots of "${ctx.task.name}" are in ${join(ARTIFACTS, testName)} (last URL ${page.url()})`);
    }
    if (failed || process.env.KEEP_SCREENSHOTS === '1') write(join(ARTIFACTS, testName));
    await context.close().catch(() => {});
  });
  return {
    page,
    context,
    async shot(step) {
      shots.push({ step: step.replace(/[^A-Za-z0-9]+/g, '-'), png: await page.screenshot({ fullPage: true }) });
    },
  };
}

/** Clicks and waits for the navigation it causes to land on a URL matching `to`. */
export async function clickAndWait(page: Page, click: () => Promise<unknown>, to: RegExp | string | ((url: URL) => boolean)): Promise<void> {
  await Promise.all([page.waitForURL(to, { waitUntil: 'load' }), click()]);
}
