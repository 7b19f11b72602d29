/**
 * Item 8 of the review, through Foyer's own session. Forwarding `prompt=login` / `max_age` upstream
 * only helps when Foyer goes upstream. A guest whose partner session is two hours old opens any app
 * (no freshness asked): the partner answers silently, and Foyer's session used to record *that
 * moment* as the sign-in. An app asking `max_age=300` a minute later was then answered from that
 * session, with an `auth_time` a minute old and the partner's two-hour-old trusted MFA: whoever sat
 * at the guest's unlocked browser only had to open another app first. A conditional access
 * sign-in frequency was met the same way. Now the session keeps the upstream's own `auth_time` (an
 * IdP cannot push it into the future), so max_age and sign-in frequency are measured from the real
 * authentication, and a sign-in frequency is forwarded upstream like max_age.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { appToken } from '../support/api-client.js';
import type { Browser } from '../support/browserless.js';
import { errorCodeOf } from '../support/browserless.js';
import { startGuestWorld, type GuestWorld } from '../support/guest-world.js';
import { STRICT, FREQUENT, WEB, appEntries, finish, invitedGuest, is, PAGES, start } from '../e2e-access/access-support.js';

let world: GuestWorld;
let guest: { userId: string; browser: Browser };
const TWO_HOURS = 7200;

beforeAll(async () => {
  world = await startGuestWorld(
    (config) => {
      (config.apps as Record<string, unknown>[]).push(...appEntries([STRICT, FREQUENT]));
      config.conditionalAccess = [
        {
          id: 'strict-mfa',
          displayName: 'Strict app needs MFA',
          state: 'enabled',
          conditions: { users: { includeUsers: ['GuestsOrExternalUsers'] }, applications: { includeApplications: [STRICT.id] } },
          grantControls: { operator: 'OR', builtInControls: ['mfa'] },
        },
        {
          id: 'frequent',
          displayName: 'Guests sign in to the frequent app every hour',
          state: 'enabled',
          conditions: { users: { includeUsers: ['GuestsOrExternalUsers'] }, applications: { includeApplications: [FREQUENT.id] } },
          sessionControls: { signInFrequency: { value: 1, type: 'hours' } },
        },
      ];
    },
    { trustMfa: true, rememberLogins: true },
  );
  // bob (amr ["pwd","mfa"] at the partner) redeems; the partner keeps a session for him in this browser.
  guest = await invitedGuest(world.foyer, await appToken(world.foyer.issuer, 'portal-app'), 'bob@partner.example', 'bob');
});
afterAll(() => world?.stop());

beforeEach(() => {
  // The partner answers from a session in which bob authenticated (with MFA) two hours ago.
  world.partner.tamperIdTokens({ claims: (c) => ({ ...c, auth_time: Math.floor(Date.now() / 1000) - TWO_HOURS }) });
  return () => world.partner.tamperIdTokens(undefined);
});

/** A fresh Foyer session in the guest's browser, made by a sign-in to an app that asks nothing about freshness. */
async function signInToWebApp() {
  guest.browser.forget(world.foyer.issuer, (name) => name !== 'foyer.browser');
  const auth = await start(guest.browser, world.foyer.issuer, WEB);
  expect(is(auth.page, PAGES.identify)).toBe(true);
  const landed = await auth.submit(auth.page, { email: 'bob@partner.example' });
  return finish(auth, landed);
}

/** When Foyer's session in the guest's browser says the guest authenticated (what max_age and auth_time are measured from). */
async function sessionAuthTime(): Promise<number | undefined> {
  const session = await world.foyer.foyer.provider.Session.find(guest.browser.cookiesFor(world.foyer.issuer)._session!);
  return session?.authTime();
}

const lastSignIn = async () => (await world.foyer.foyer.users.findById(guest.userId))!.lastSignInDateTime;
const now = () => Math.floor(Date.now() / 1000);

describe("Foyer's session after a silent upstream sign-in", () => {
  it("reports the upstream's authentication time, not the moment Foyer was reached (the control: the first app gets in)", async () => {
    const claims = await signInToWebApp();
    expect(claims.sub).toBe(guest.userId);
    expect(await sessionAuthTime()).toBeLessThanOrEqual(now() - TWO_HOURS + 60);
  });

  it('does not answer max_age=300 from that session a moment later: the partner is asked, and its old session refused', async () => {
    await signInToWebApp();
    const before = await lastSignIn();
    const auth = await start(guest.browser, world.foyer.issuer, STRICT, { max_age: '300' });
    // No code from Foyer's session: the person is asked to sign in, and max_age goes to the partner.
    expect(auth.page.stoppedAt).toBeUndefined();
    expect(is(auth.page, PAGES.identify)).toBe(true);
    const sent = await guest.browser.submit(auth.page, { email: 'bob@partner.example' }, { stopAt: [world.partner.issuer] });
    expect(new URL(sent.stoppedAt!).searchParams.get('max_age')).toBe('300');
    const page = await auth.open(sent.stoppedAt!);
    expect(page.stoppedAt).toBeUndefined();
    expect([page.status, errorCodeOf(page.body)]).toEqual([400, 'reauthentication_missing']);
    expect(await lastSignIn()).toEqual(before);
  });

  it('does not meet a sign-in frequency from that session either: the partner is asked for a sign-in within the hour', async () => {
    await signInToWebApp();
    const before = await lastSignIn();
    const auth = await start(guest.browser, world.foyer.issuer, FREQUENT);
    expect(auth.page.stoppedAt).toBeUndefined();
    expect(is(auth.page, PAGES.identify)).toBe(true);
    const sent = await guest.browser.submit(auth.page, { email: 'bob@partner.example' }, { stopAt: [world.partner.issuer] });
    expect(new URL(sent.stoppedAt!).searchParams.get('max_age')).toBe('3600');
    const page = await auth.open(sent.stoppedAt!);
    expect(page.stoppedAt).toBeUndefined();
    expect([page.status, errorCodeOf(page.body)]).toEqual([400, 'reauthentication_missing']);
    expect(await lastSignIn()).toEqual(before);
  });

  it('lets a guest whose partner sign-in is recent through max_age and the sign-in frequency from the session', async () => {
    world.partner.tamperIdTokens(undefined);
    await signInToWebApp();
    const strict = await start(guest.browser, world.foyer.issuer, STRICT, { max_age: '300' });
    expect((await finish(strict)).amr).toEqual(['fed', 'mfa']);
    const frequent = await start(guest.browser, world.foyer.issuer, FREQUENT);
    expect((await finish(frequent)).sub).toBe(guest.userId);
  });

  it('an IdP claiming an authentication in the future does not make the session fresh for ever', async () => {
    world.partner.tamperIdTokens({ claims: (c) => ({ ...c, auth_time: now() + 10 * 365 * 86400 }) });
    await signInToWebApp();
    expect(await sessionAuthTime()).toBeLessThanOrEqual(now());
  });
});
