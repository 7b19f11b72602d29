import { expect } from 'vitest';
import { api, appToken } from '../support/api-client.js';
import { Browser, headingOf, parseForms, type Page } from '../support/browserless.js';
import { APP_URL, latestOutboxMail, redeemUrlIn, type GuestWorld } from '../support/guest-world.js';
import { signInAtPartner, type PartnerUser } from '../support/partner-idp.js';
import type { RunningFoyer } from '../support/start-foyer.js';

export const PASSWORD = 'correct horse battery staple';

/** Opens My Apps in a fresh browser and signs in as a member with a password. */
export async function memberOnMyApps(foyer: RunningFoyer, email: string, path = '/myapps'): Promise<{ browser: Browser; page: Page }> {
  const browser = new Browser();
  const identify = await browser.navigate(`${foyer.issuer}${path}`);
  const password = await browser.submit(identify, { email });
  const page = await browser.submit(password, { email, password: PASSWORD });
  return { browser, page };
}

/** Invites a guest through the API, redeems at the partner as `login`, and returns the guest's browser (signed in). */
export async function redeemedGuest(world: GuestWorld, email: string, login: string, opts: { redirect?: string } = {}): Promise<{ browser: Browser; userId: string }> {
  const token = await appToken(world.foyer.issuer, 'portal-app');
  const res = await api(world.foyer.issuer, token, 'POST', '/invitations', { invitedUserEmailAddress: email, inviteRedirectUrl: opts.redirect ?? APP_URL, sendInvitationMessage: true });
  expect(res.status).toBe(201);
  const browser = new Browser();
  await redeemLink(world, browser, redeemUrlIn(latestOutboxMail(world.foyer)), login, opts.redirect ?? APP_URL);
  return { browser, userId: (res.body.invitedUser as { id: string }).id };
}

/** Follows a redeem link in `browser`: accept, sign in at the partner; returns where the browser landed. */
export async function redeemLink(world: GuestWorld, browser: Browser, redeemUrl: string, login: string, landing: string) {
  const page = await browser.navigate(redeemUrl);
  expect(headingOf(page.body)).toBe('Review permissions');
  const partnerForm = await browser.submit(page, {}, { stopAt: [landing] });
  if (partnerForm.stoppedAt) return partnerForm;
  const callback = `${world.foyer.issuer}/federation/partner/callback`;
  const params = await signInAtPartner(browser, partnerForm.url, login, callback);
  return browser.navigate(`${callback}?${new URLSearchParams(params)}`, { stopAt: [landing] });
}

/** Submits the form on `page` whose action ends with `actionSuffix` (forms are told apart by where they post). */
export function submitForm(browser: Browser, page: Page, actionSuffix: string, fields: Record<string, string> = {}) {
  const index = parseForms(page.body).findIndex((f) => f.action.endsWith(actionSuffix));
  if (index < 0) throw new Error(`no form posting to …${actionSuffix} on ${page.url}:\n${page.body.slice(0, 1500)}`);
  return browser.submit(page, fields, { index });
}

/** The ids of the apps shown as tiles on My Apps. */
export function appTiles(html: string): string[] {
  return [...html.matchAll(/data-app-id="([^"]+)"/g)].map((m) => m[1]!);
}

/** The guests listed on a manage or admin page, with their state. */
export function guestRows(html: string): { id: string; state: string; text: string }[] {
  return [...html.matchAll(/<li class="guest" data-guest-id="([^"]+)" data-state="([^"]+)">([\s\S]*?)<\/li>/g)].map((m) => ({ id: m[1]!, state: m[2]!, text: m[3]! }));
}

/** A partner user whose verified email is <local>@partner.example. */
export function partnerUser(local: string): PartnerUser {
  return { sub: `${local}-sub`, email: `${local}@partner.example`, emailVerified: true, name: local, amr: ['pwd'] };
}

/** The guests in the admin console's table, with their state and each cell by its column class. */
export function guestTableRows(html: string): { id: string; state: string; text: string; cells: Record<string, string> }[] {
  return [...html.matchAll(/<tr class="guest" data-guest-id="([^"]+)" data-state="([^"]+)">([\s\S]*?)<\/tr>/g)].map((m) => ({
    id: m[1]!,
    state: m[2]!,
    text: m[3]!,
    cells: Object.fromEntries([...m[3]!.matchAll(/<td data-label="[^"]*"(?: class="([^"]+)")?>([\s\S]*?)<\/td>/g)].map((c) => [c[1] ?? 'name', c[2]!.replace(/<[^>]+>/g, '').trim()])),
  }));
}

/** The state a guest's console page shows. */
export function guestPageState(html: string): string | undefined {
  return /id="guest-state" data-state="([^"]+)"/.exec(html)?.[1];
}

/** The lines of the notice after an action (who did what to whom). */
export function noticeOf(html: string): string {
  return (/<div role="status" id="notice"[^>]*>([\s\S]*?)<\/div>/.exec(html)?.[1] ?? '').replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim();
}
