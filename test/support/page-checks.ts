/**
 * What every page must give a keyboard and screen-reader user, checked in a real Chromium
 * (test/support/chromium.ts): one h1, a language, every control labelled, nothing wider than the
 * screen, and every control reachable with Tab with a visible focus indicator. Reused by the console
 * suites; `expectUsablePage` is the one-line form.
 */
import type { Page } from 'playwright-core';
import { expect } from 'vitest';

/** The widths the console is checked at: a desktop and a phone. */
export const DESKTOP_WIDTH = { width: 1280, height: 800 };
export const PHONE_WIDTH = { width: 390, height: 844 };

export interface PageStructure {
  h1: number;
  lang: string | null;
  /** Controls with no label, aria-label or text (the start of their HTML). */
  unlabelled: string[];
  /** How many CSS pixels the page is wider than the viewport (0 is right). */
  overflow: number;
}

export async function pageStructure(page: Page): Promise<PageStructure> {
  return page.evaluate(() => {
    const controls = Array.from(document.querySelectorAll('input:not([type=hidden]), select, textarea, button'));
    const unlabelled = controls
      .filter((el) => {
        const labels = (el as HTMLInputElement).labels;
        return !(labels && labels.length) && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby') && !(el.textContent ?? '').trim();
      })
      .map((el) => el.outerHTML.slice(0, 100));
    return { h1: document.querySelectorAll('h1').length, lang: document.documentElement.getAttribute('lang'), unlabelled, overflow: Math.max(0, document.documentElement.scrollWidth - window.innerWidth) };
  });
}

export interface KeyboardReach {
  /** Visible controls Tab never reached. */
  unreached: string[];
  /** Controls that had focus without a visible outline or ring. */
  noVisibleFocus: string[];
}

/** Presses Tab through the page from the top and records which visible controls got focus and whether it showed. */
export async function keyboardReach(page: Page): Promise<KeyboardReach> {
  const count = await page.evaluate(() => {
    const visible = (el: Element) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
    const controls = Array.from(document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary')).filter(visible);
    controls.forEach((el, i) => el.setAttribute('data-tab-check', String(i)));
    (document.activeElement as HTMLElement | null)?.blur();
    window.scrollTo(0, 0);
    return controls.length;
  });
  const seen = new Set<string>();
  const noVisibleFocus: string[] = [];
  let previous: string | undefined;
  // Date inputs take one Tab per part (day, month, year), so allow a few per control; stop once focus comes round again.
  for (let i = 0; i < count * 4 + 15; i++) {
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => {
      const el = document.activeElement;
      if (!el || el === document.body) return undefined;
      const style = getComputedStyle(el);
      const ring = (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0) || style.boxShadow !== 'none';
      return { id: el.getAttribute('data-tab-check'), ring, html: el.outerHTML.slice(0, 100) };
    });
    if (!focused?.id || focused.id === previous) continue;
    if (seen.has(focused.id)) break;
    previous = focused.id;
    seen.add(focused.id);
    if (!focused.ring) noVisibleFocus.push(focused.html);
  }
  const unreached = await page.evaluate((reached) => Array.from(document.querySelectorAll('[data-tab-check]')).filter((el) => !reached.includes(el.getAttribute('data-tab-check')!)).map((el) => el.outerHTML.slice(0, 100)), [...seen]);
  return { unreached, noVisibleFocus };
}

/** One h1, a language, labels, no horizontal scroll, every control reachable by Tab with visible focus. */
export async function expectUsablePage(page: Page, what = page.url()): Promise<void> {
  const structure = await pageStructure(page);
  expect({ what, ...structure }).toEqual({ what, h1: 1, lang: 'en', unlabelled: [], overflow: 0 });
  const reach = await keyboardReach(page);
  expect({ what, ...reach }).toEqual({ what, unreached: [], noVisibleFocus: [] });
}
