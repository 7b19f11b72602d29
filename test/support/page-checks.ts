/**
 * What every console page must give a keyboard and screen-reader user, checked in Chromium:
 * every control labelled, nothing wider than the screen, and Tab reaching every control with a
 * visible focus indicator. Shared by the console sections' browser tests.
 */
import type { Page } from 'playwright-core';

export interface PageBasics {
  h1: number;
  unlabelled: string[];
  /** How many CSS pixels the page is wider than the viewport (0: no horizontal scroll). */
  overflow: number;
  lang: string | null;
}

export async function pageBasics(page: Page): Promise<PageBasics> {
  return page.evaluate(() => {
    const controls = Array.from(document.querySelectorAll('input:not([type=hidden]), select, textarea, button'));
    const unlabelled = controls
      .filter((el) => {
        const labels = (el as HTMLInputElement).labels;
        return !(labels && labels.length) && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby') && !(el.textContent ?? '').trim();
      })
      .map((el) => el.outerHTML.slice(0, 100));
    return { h1: document.querySelectorAll('h1').length, unlabelled, overflow: document.documentElement.scrollWidth - window.innerWidth, lang: document.documentElement.getAttribute('lang') };
  });
}

export interface TabWalk {
  /** Controls that Tab never reached (outerHTML, shortened). */
  unreached: string[];
  /** Controls reached whose focus left no visible outline or shadow. */
  invisibleFocus: string[];
  stops: number;
}

/** Presses Tab from the top of the page until focus comes back round (or `max` presses), noting what it reached and whether focus showed. */
export async function tabThrough(page: Page, max = 400): Promise<TabWalk> {
  await page.evaluate(() => {
    (document.activeElement as HTMLElement | null)?.blur();
    window.scrollTo(0, 0);
  });
  const invisible = new Set<string>();
  const seen = new Set<string>();
  let stops = 0;
  let first = '';
  let last = '';
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const step = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      if (!el || el === document.body) return undefined;
      if (!el.dataset.tabId) el.dataset.tabId = String(Math.random()).slice(2);
      const style = getComputedStyle(el);
      const visible = (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0) || style.boxShadow !== 'none';
      return { id: el.dataset.tabId, html: el.outerHTML.slice(0, 100), visible };
    });
    if (!step) continue;
    // A date field takes several Tabs (day, month, year) while staying the focused element.
    if (step.id === last) continue;
    if (step.id === first) break;
    first ||= step.id;
    last = step.id;
    seen.add(step.id);
    stops++;
    if (!step.visible) invisible.add(step.html);
  }
  const unreached = await page.evaluate((ids) => {
    const controls = Array.from(document.querySelectorAll<HTMLElement>('a[href], button, input:not([type=hidden]), select, textarea, summary'));
    return controls.filter((el) => el.offsetParent !== null && !ids.includes(el.dataset.tabId ?? '')).map((el) => el.outerHTML.slice(0, 100));
  }, [...seen]);
  return { unreached, invisibleFocus: [...invisible], stops };
}
