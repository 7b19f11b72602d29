/**
 * Guessing a member's password from ever new client addresses (found by the audit). Failures were
 * counted per (address, IP) and per IP only: an attacker who moved to a fresh client address every
 * `passwordAttemptsPerAccount` guesses guessed at one account without end. Failures are now also
 * counted per account from anywhere (`limits.passwordFailuresPerAccountPerHour`); past the budget no
 * password for that address is accepted, the right one included, and an unknown address gets the
 * very same answer. A real Foyer; every round comes from another client address (Foyer trusts
 * X-Forwarded-For in this world).
 */
import type * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from '../support/browserless.js';
import { openPasswordForm, WEB_APP, webAppClient } from '../support/oidc-client.js';
import { startFoyer, type RunningFoyer } from '../support/start-foyer.js';
import { BrowserAt } from './support/anonymous-flood.js';

const PASSWORD = 'the right password 7';
const PER_ACCOUNT_AND_IP = 3;
const PER_ACCOUNT_PER_HOUR = 4;
// Each attempt hashes a password: the tests below get minutes, not the default 30 s, on a busy machine.
const VICTIM = 'victor@contoso.example';
const NOBODY = 'nobody-here@contoso.example';

let foyer: RunningFoyer;
let config: client.Configuration;
let victimId: string;

beforeAll(async () => {
  foyer = await startFoyer((raw) => {
    raw.server = { ...(raw.server as object), trustProxy: true };
    // Generous per IP, so only the per-account budget can stop an attacker who rotates addresses.
    raw.limits = { passwordAttemptsPerAccount: PER_ACCOUNT_AND_IP, passwordAttemptsPerIp: 1000, passwordFailuresPerAccountPerHour: PER_ACCOUNT_PER_HOUR, lockoutSeconds: 600 };
  });
  victimId = await foyer.createMember(VICTIM, PASSWORD);
  await foyer.createMember('wendy@contoso.example', PASSWORD);
  config = await webAppClient(foyer.issuer);
}, 60_000);
afterAll(() => foyer?.stop());

async function attempt(ip: string, email: string, password: string): Promise<Page & { stoppedAt?: string }> {
  const browser = new BrowserAt(ip);
  const { page } = await openPasswordForm(browser, config, email);
  return browser.submit(page, { email, password }, { stopAt: [WEB_APP.redirectUri] });
}

/** Spends `email`'s budget in rounds of PER_ACCOUNT_AND_IP - 1 wrong passwords, each round from a new address (never locked per IP). */
async function guessFromEverNewAddresses(email: string, firstOctet: number): Promise<void> {
  let left = PER_ACCOUNT_PER_HOUR;
  for (let round = 1; left > 0; round++) {
    for (let i = 0; i < Math.min(PER_ACCOUNT_AND_IP - 1, left); i++) {
      expect((await attempt(`${firstOctet}.0.${round}.1`, email, `guess ${round}-${i}`)).status).toBe(401);
    }
    left -= PER_ACCOUNT_AND_IP - 1;
  }
}

async function victimState() {
  const user = await foyer.foyer.db('users').where({ id: victimId }).first();
  const sessions = await foyer.foyer.db('oidc_payloads').where({ model: 'Session' }).select('payload');
  return { lastSignIn: user.last_sign_in_at, sessions: sessions.filter((s: { payload: string }) => s.payload.includes(victimId)).length };
}

/** The page without the typed address, so the answers for two addresses can be compared. */
const withoutAddress = (page: Page, email: string) => ({ status: page.status, body: page.body.split(email).join('<typed>').replace(/\/interaction\/[^/"'?#\s]+/g, '/interaction/<uid>').replace(/[A-Za-z0-9_-]{20,}/g, '<random>') });

describe("guessing a member's password from ever new client addresses", () => {
  it("stops at the account's budget: then even the right password, from yet another address, is refused and nothing is signed in", async () => {
    const before = await victimState();
    await guessFromEverNewAddresses(VICTIM, 10);

    const lucky = await attempt('192.0.2.99', VICTIM, PASSWORD);
    expect(lucky.stoppedAt).toBeUndefined();
    expect(lucky.status).toBe(429);
    expect(Number(lucky.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(lucky.body).toContain('Too many failed attempts were made for this email address.');
    expect(await victimState()).toEqual(before);
  }, 120_000);

  it('gives an unknown address the very same answer, so the lock-out reveals no account', async () => {
    await guessFromEverNewAddresses(NOBODY, 11);
    const unknown = await attempt('192.0.2.98', NOBODY, PASSWORD);
    const known = await attempt('192.0.2.97', VICTIM, PASSWORD);
    expect(withoutAddress(unknown, NOBODY)).toEqual(withoutAddress(known, VICTIM));
  }, 120_000);

  it('locks only that account: another member signs in', async () => {
    const ok = await attempt('192.0.2.96', 'wendy@contoso.example', PASSWORD);
    expect(ok.stoppedAt).toBeDefined();
  });
});
