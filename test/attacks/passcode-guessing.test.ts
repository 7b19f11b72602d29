/**
 * Guessing a passcode guest's code (found by the audit). Each code allowed `maxAttempts` wrong
 * entries and each IP `perIpPerHour`, but nothing counted the wrong codes for an *address*: an
 * attacker who asked for a fresh code from a fresh address each time had perAddressPerHour ×
 * maxAttempts guesses an hour, every hour (25 with the defaults, 600 a day at a 6-digit code), at
 * an accepted guest's account. Wrong codes are now counted per address for the day; past the budget
 * no code is mailed or accepted for it, the right one included. A real Foyer and a real SMTP server;
 * every round comes from another client address (Foyer trusts X-Forwarded-For in this world).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, appToken } from '../support/api-client.js';
import { Browser, errorCodeOf, headingOf, type Page } from '../support/browserless.js';
import { APP_URL } from '../support/guest-world.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';
import { DEMO_SECRET, startFoyer, type RunningFoyer } from '../support/start-foyer.js';
import { WEB, finish, start, type Authorization } from '../e2e-access/access-support.js';
import { BrowserAt } from './support/anonymous-flood.js';

const GUEST = 'dana@nowhere.example';
const WRONG_PER_DAY = 6;

let sink: SmtpSink;
let foyer: RunningFoyer;
let danaId: string;

beforeAll(async () => {
  sink = await startSmtpSink();
  foyer = await startFoyer((config) => {
    config.server = { ...(config.server as object), trustProxy: true };
    (config.apps as Record<string, unknown>[])[0]!.launchUrl = APP_URL;
    (config.apps as Record<string, unknown>[]).push({ id: 'portal-app', displayName: 'Portal', clientSecret: DEMO_SECRET, grantTypes: ['client_credentials'], permissions: ['User.Invite.All'] });
    config.mail = { smtp: { host: sink.host, port: sink.port } };
    // Generous per code and per IP, so only the per-address budget can stop the attacker.
    config.emailPasscode = { maxAttempts: 5, perAddressPerHour: 10, perIpPerHour: 100, wrongCodesPerAddressPerDay: WRONG_PER_DAY };
  });
  const res = await api(foyer.issuer, await appToken(foyer.issuer, 'portal-app'), 'POST', '/invitations', { invitedUserEmailAddress: GUEST, inviteRedirectUrl: APP_URL, sendInvitationMessage: false });
  danaId = (res.body.invitedUser as { id: string }).id;
  // Dana accepts just in time with a code mailed to her: an accepted guest who signs in by passcode.
  const { auth, codePage } = await askForCode(new Browser());
  expect((await finish(auth, await auth.submit(codePage, { code: await latestCode() }))).sub).toBe(danaId);
});
afterAll(async () => {
  await foyer?.stop();
  await sink?.close();
});

const mailsToGuest = () => sink.messages.filter((m) => m.to.includes(GUEST)).length;

async function latestCode(): Promise<string> {
  await sink.waitForMessage(GUEST);
  const mail = sink.messages.filter((m) => m.to.includes(GUEST)).at(-1)!;
  return /\b(\d{6})\b/.exec(mail.text)![1]!;
}

/** A sign-in in `browser` that types the guest's address, so a code is mailed to her. */
async function askForCode(browser: Browser): Promise<{ auth: Authorization; codePage: Page & { stoppedAt?: string } }> {
  const auth = await start(browser, foyer.issuer, WEB);
  const codePage = await auth.submit(auth.page, { email: GUEST });
  return { auth, codePage };
}

/** `n` wrong codes on a code page; returns the last page. */
async function guessWrong(auth: Authorization, page: Page, n: number, right: string): Promise<Page> {
  for (let i = 0; i < n; i++) page = await auth.submit(page, { code: String((Number(right) + 1 + i) % 1_000_000).padStart(6, '0') });
  return page;
}

async function danaState() {
  const user = await foyer.foyer.db('users').where({ id: danaId }).first();
  return { lastSignIn: user.last_sign_in_at, identities: (await foyer.foyer.db('identities').where({ user_id: danaId })).length };
}

describe("guessing an accepted passcode guest's code from ever new addresses", () => {
  it("stops at the address's daily budget of wrong codes: then even the right code is refused, and nothing is signed in", async () => {
    const before = await danaState();
    // Round 1, from one address: a fresh code, four wrong guesses (one short of locking that code).
    const first = await askForCode(new BrowserAt('198.51.100.1'));
    expect(headingOf(first.codePage.body)).toBe('Enter the code we emailed you');
    const stillOpen = await guessWrong(first.auth, first.codePage, 4, await latestCode());
    expect(errorCodeOf(stillOpen.body)).toBeUndefined();

    // Round 2, from another address: a fresh code, two wrong guesses spend the address's budget.
    const second = await askForCode(new BrowserAt('203.0.113.2'));
    const right = await latestCode();
    const spent = await guessWrong(second.auth, second.codePage, WRONG_PER_DAY - 4, right);
    expect(spent.status).toBe(429);

    // The right code (a lucky guess) now changes nothing.
    const lucky = await second.auth.submit(second.codePage, { code: right });
    expect(lucky.stoppedAt).toBeUndefined();
    expect(lucky.status).toBe(429);
    expect(await danaState()).toEqual(before);

    // Round 3, from a third address: no code is mailed for the address any more.
    const mails = mailsToGuest();
    const third = await askForCode(new BrowserAt('192.0.2.3'));
    expect(third.codePage.status).toBe(429);
    expect(third.codePage.stoppedAt).toBeUndefined();
    expect(mailsToGuest()).toBe(mails);
    expect(await danaState()).toEqual(before);
  });
});
