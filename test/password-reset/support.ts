import { expect } from 'vitest';
import { Browser, type Page } from '../support/browserless.js';

/** The reset link in a mail (text part), unfolding quoted-printable soft breaks. */
export function resetUrlIn(raw: string): string {
  const unfolded = raw.replace(/=\r?\n/g, '').replace(/=3D/g, '=');
  const match = /(https?:\/\/[^\s"<>]+\/password\/reset\?t=[A-Za-z0-9_-]{43})/.exec(unfolded);
  if (!match) throw new Error(`no reset link in mail:\n${raw.slice(0, 2000)}`);
  return match[1]!;
}

/** Asks for a link for `email` the way a person does: the form, then its post. Returns the answer. */
export async function askForLink(issuer: string, email: string, browser = new Browser()): Promise<Page> {
  const form = await browser.navigate(`${issuer}/password/forgot`);
  expect(form.status).toBe(200);
  return browser.submit(form, { email });
}

/** The raw post of the forgot form, for comparing answers byte for byte (web-compare.ts). */
export async function postForgot(issuer: string, email: string): Promise<Response> {
  const browser = new Browser();
  const form = await browser.navigate(`${issuer}/password/forgot`);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(form.body)![1]!;
  return browser.request(`${issuer}/password/forgot`, { method: 'POST', body: new URLSearchParams({ _csrf: csrf, email }).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
}

/** Opens a reset link and sets `password` on its form. */
export async function useLink(url: string, password: string, browser = new Browser()): Promise<{ form: Page; done: Page }> {
  const form = await browser.navigate(url);
  if (form.status !== 200) return { form, done: form };
  const done = await browser.submit(form, { password, confirm: password });
  return { form, done };
}
