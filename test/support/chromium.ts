/**
 * The one Chromium launcher of the test suites: headless Chromium from Debian's package, driven by
 * playwright-core (no browser download), a context of its own (own cookies) per test, and
 * screenshots kept under test-artifacts/browser/<test>/ when the test fails (always with
 * KEEP_SCREENSHOTS=1). Where there is no Chromium, suites are skipped with the reason in their name.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { describe, type TestContext } from 'vitest';
import { projectRoot } from '../../src/lib/project-root.js';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const ARTIFACTS = join(projectRoot, 'test-artifacts', 'browser');

/** CI installs Debian's chromium (.ci/run); elsewhere the suites say why they were skipped. */
export const HAS_CHROMIUM = existsSync(CHROMIUM_PATH);
/** Appended to a suite's name: empty where Chromium is installed, else why the suite was skipped. */
export const NO_CHROMIUM = HAS_CHROMIUM ? '' : ` (skipped: no Chromium at ${CHROMIUM_PATH}; apt-get install chromium)`;

/** A describe block that runs only where Chromium is installed, and says so in its name where it is not. */
export function describeInChromium(name: string, fn: () => void, opts: { timeout?: number } = {}): void {
  describe.skipIf(!HAS_CHROMIUM)(`${name}${NO_CHROMIUM}`, opts, fn);
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
}

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 375, height: 812 };

const fileName = (s: string, max: number) => s.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, max);

export interface Recorder {
  page: Page;
  context: BrowserContext;
  /** Keeps a screenshot of the page as it is now, named for the step (written out only if the test fails). */
  shot(step: string): Promise<void>;
}

/**
 * A fresh context (its own cookies) for one test, closed when the test ends. Steps a test records
 * with shot(), plus every open page as it was at the failure, are written to
 * test-artifacts/browser/<test>/ if the test fails.
 */
async function openContext(browser: Browser, ctx: TestContext, viewport: { width: number; height: number }) {
  const context = await browser.newContext({ viewport, locale: 'en-GB' });
  // Generous: the CI machine is shared, and a timeout here is a failure with screenshots, not a wait.
  context.setDefaultTimeout(20_000);
  context.setDefaultNavigationTimeout(30_000);
  const shots: { step: string; png: Buffer }[] = [];
  const testName = fileName(ctx.task.name, 80);
  const dir = join(ARTIFACTS, testName);
  // onTestFinished runs before onTestFailed hooks, so one hook does both: keep, then close.
  ctx.onTestFinished(async () => {
    const failed = ctx.task.result?.state === 'fail';
    if (failed) {
      for (const [i, page] of context.pages().entries()) {
        try {
          shots.push({ step: `at-failure-page-${i + 1}`, png: await page.screenshot({ fullPage: true }) });
        } catch {
          /* the page may be gone */
        }
      }
      console.error(`screenshots of "${ctx.task.name}" are in ${dir} (last URLs ${context.pages().map((p) => p.url()).join(', ')})`);
    }
    if ((failed || process.env.KEEP_SCREENSHOTS === '1') && shots.length) {
      mkdirSync(dir, { recursive: true });
      shots.forEach((s, i) => writeFileSync(join(dir, `${String(i + 1).padStart(2, '0')}-${s.step}.png`), s.png));
    }
    await context.close().catch(() => {});
  });
  return { context, shots };
}

/** A fresh context for one test (tests that open several pages in it); its pages are photographed if the test fails. */
export async function newContext(browser: Browser, ctx: TestContext, viewport = DESKTOP): Promise<BrowserContext> {
  return (await openContext(browser, ctx, viewport)).context;
}

/** A fresh context and one page in it for one test, with a recorder of the steps it passes through. */
export async function recordedPage(browser: Browser, ctx: TestContext, opts: { viewport?: { width: number; height: number } } = {}): Promise<Recorder> {
  const { context, shots } = await openContext(browser, ctx, opts.viewport ?? DESKTOP);
  const page = await context.newPage();
  return {
    page,
    context,
    async shot(step) {
      shots.push({ step: fileName(step, 60), png: await page.screenshot({ fullPage: true }) });
    },
  };
}

/** Clicks and waits for the navigation it causes to land on a URL matching `to`. */
export async function clickAndWait(page: Page, click: () => Promise<unknown>, to: RegExp | string | ((url: URL) => boolean)): Promise<void> {
  await Promise.all([page.waitForURL(to, { waitUntil: 'load' }), click()]);
}
