/**
 * Passkeys in real Chromium: a CDP virtual authenticator (WebAuthn.addVirtualAuthenticator) per
 * page answers navigator.credentials with real keys and signatures, so Foyer's verification runs
 * as it would against a phone or a security key. Plus the sign-in steps the passkey tests share.
 */
import type { BrowserContext, CDPSession, Page } from 'playwright-core';
import { expect } from 'vitest';
import { clickAndWait } from '../support/chromium.js';
import { PASSWORD } from '../support/world.js';

export interface VirtualAuthenticator {
  cdp: CDPSession;
  id: string;
  /** The credentials it holds (with their private keys and counters). */
  credentials(): Promise<{ credentialId: string; signCount: number; privateKey: string; rpId?: string; userHandle?: string; isResidentCredential: boolean }[]>;
}

/** A platform authenticator with user verification (a laptop's fingerprint reader), answering without a person. */
export async function addAuthenticator(context: BrowserContext, page: Page): Promise<VirtualAuthenticator> {
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });
  return {
    cdp,
    id: authenticatorId,
    async credentials() {
      return (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials;
    },
  };
}

/** From the app's sign-in link to Foyer's MFA page: email, then password. */
export async function signInWithPassword(page: Page, startUrl: string, email: string): Promise<void> {
  await page.goto(startUrl);
  await page.getByLabel('Email address').fill(email);
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

/** The claims table of the demo app's home page. */
export async function claimsOf(page: Page): Promise<Record<string, string>> {
  await page.locator('#claims').waitFor();
  const rows = await page.locator('#claims tbody tr').evaluateAll((trs) => trs.map((tr) => [tr.querySelector('th')!.textContent!.trim(), tr.querySelector('td')!.textContent!.trim()]));
  return Object.fromEntries(rows);
}

/** Clicks a passkey button and waits until the browser lands on the app (a URL starting with `appUrl`). */
export async function usePasskeyInto(page: Page, button: string, appUrl: string): Promise<void> {
  await clickAndWait(page, () => page.getByRole('button', { name: button }).click(), (u) => u.href.startsWith(appUrl));
}

/**
 * Posts the page's passkey form with `response` as the answer, bypassing the script (what an
 * attacker replaying or forging an answer does), and returns Foyer's status and page.
 */
export async function postPasskeyForm(page: Page, response: string): Promise<{ status: number; text: string }> {
  const action = await page.locator('form[data-passkey]').getAttribute('action');
  const csrf = await page.locator('form[data-passkey] input[name=_csrf]').inputValue();
  expect(action).toBeTruthy();
  const res = await page.request.post(new URL(action!, page.url()).href, { form: { _csrf: csrf, response }, maxRedirects: 0 });
  return { status: res.status(), text: await res.text() };
}

/** Asks the authenticator for an assertion to `options` (edited as a test needs), as the page's script would, without posting it. */
export async function assertionFor(page: Page, edit: (options: Record<string, unknown>) => Record<string, unknown> = (o) => o): Promise<string> {
  const options = JSON.parse((await page.locator('form[data-passkey]').getAttribute('data-options'))!) as Record<string, unknown>;
  return page.evaluate(async (o) => {
    const toBytes = (s: string) => Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(s.length / 4) * 4, '=')), (c) => c.charCodeAt(0));
    const toText = (buf: ArrayBuffer) => btoa(String.fromCharCode(...new Uint8Array(buf))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    const allow = ((o.allowCredentials as { id: string; type: 'public-key' }[] | undefined) ?? []).map((d) => ({ type: d.type, id: toBytes(d.id) }));
    const cred = (await navigator.credentials.get({ publicKey: { challenge: toBytes(o.challenge as string), rpId: o.rpId as string, userVerification: 'required', allowCredentials: allow, timeout: 15_000 } })) as PublicKeyCredential;
    const r = cred.response as AuthenticatorAssertionResponse;
    return JSON.stringify({
      id: cred.id,
      rawId: toText(cred.rawId),
      type: cred.type,
      clientExtensionResults: {},
      response: { clientDataJSON: toText(r.clientDataJSON), authenticatorData: toText(r.authenticatorData), signature: toText(r.signature), userHandle: r.userHandle ? toText(r.userHandle) : undefined },
    });
  }, edit(options));
}
