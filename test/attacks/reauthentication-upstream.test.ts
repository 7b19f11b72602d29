/**
 * Item 8 of the review: an app's `prompt=login` or `max_age` never reached the guest's home IdP, so
 * a guest (or whoever sits at their unlocked browser) with a session at the partner was signed in
 * again silently, and with `trustMfa` an MFA of any age counted. Foyer now forwards both to the
 * partner (a real oidc-provider that keeps sessions) and checks the partner's `auth_time`; an IdP
 * that answers from an old session is refused, and nothing is stored.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appToken } from '../support/api-client.js';
import type { Browser} from '../support/browserless.js';
import { errorCodeOf, headingOf } from '../support/browserless.js';
import { startGuestWorld, type GuestWorld } from '../support/guest-world.js';
import { STRICT, appEntries, finish, requireMfaFor, invitedGuest, is, PAGES, start, type Authorization } from '../e2e-access/access-support.js';

let world: GuestWorld;
let guest: { userId: string; browser: Browser };

beforeAll(async () => {
  world = await startGuestWorld(
    (config) => {
      (config.apps as Record<string, unknown>[]).push(...appEntries([STRICT]));
      config.conditionalAccess = [requireMfaFor(STRICT.id, { id: 'strict-mfa', displayName: 'Strict app needs MFA', users: ['GuestsOrExternalUsers'] })];
    },
    { trustMfa: true, rememberLogins: true },
  );
  // bob signs in at the partner with amr ["pwd","mfa"]; the partner now has a session for him in this browser.
  guest = await invitedGuest(world.foyer, await appToken(world.foyer.issuer, 'portal-app'), 'bob@partner.example', 'bob');
});
afterAll(() => world?.stop());

/** A sign-in to the strict app in the guest's browser, past Foyer's email page, stopped at the redirect to the partner. */
async function toPartner(params: Record<string, string>): Promise<{ auth: Authorization; partnerUrl: URL }> {
  // Foyer's own session would answer without asking anyone: the guest's Foyer cookies go, the partner's stay.
  guest.browser.forget(world.foyer.issuer, (name) => name !== 'foyer.browser');
  const auth = await start(guest.browser, world.foyer.issuer, STRICT, params);
  expect(is(auth.page, PAGES.identify)).toBe(true);
  const sent = await guest.browser.submit(auth.page, { email: 'bob@partner.example' }, { stopAt: [world.partner.issuer] });
  return { auth, partnerUrl: new URL(sent.stoppedAt!) };
}

const identities = () => world.foyer.foyer.db('identities').count({ n: '*' }).first();

describe('an app asking for a fresh sign-in', () => {
  it('without prompt=login the partner signs the guest in from its session, silently (the control)', async () => {
    const { auth, partnerUrl } = await toPartner({});
    expect(partnerUrl.searchParams.get('prompt')).toBeNull();
    const landed = await auth.open(partnerUrl.href);
    // Straight back to the app: trusted upstream MFA satisfied the policy, no page asked for anything.
    expect((await finish(auth, landed)).amr).toEqual(['fed', 'mfa']);
  });

  it('prompt=login reaches the partner, which asks again; the fresh sign-in counts', async () => {
    const { auth, partnerUrl } = await toPartner({ prompt: 'login' });
    expect(partnerUrl.searchParams.get('prompt')).toBe('login');
    const partnerPage = await auth.open(partnerUrl.href);
    expect(headingOf(partnerPage.body)).toBe('Partner IdP sign-in');
    const landed = await auth.submit(partnerPage, { login: 'bob' });
    const claims = await finish(auth, landed);
    expect(claims).toMatchObject({ sub: guest.userId, amr: ['fed', 'mfa'] });
  });

  it('max_age reaches the partner as max_age', async () => {
    const { partnerUrl } = await toPartner({ max_age: '60' });
    expect(partnerUrl.searchParams.get('max_age')).toBe('60');
  });

  it('refuses a partner that ignores prompt=login and answers from an old session, storing nothing', async () => {
    const before = await identities();
    const lastSignIn = (await world.foyer.foyer.users.findById(guest.userId))!;
    try {
      // A partner that does not honour prompt=login: its ID token says the authentication was two hours ago.
      world.partner.tamperIdTokens({ claims: (c) => ({ ...c, auth_time: Math.floor(Date.now() / 1000) - 7200 }) });
      const { auth, partnerUrl } = await toPartner({ prompt: 'login' });
      const partnerPage = await auth.open(partnerUrl.href);
      const page = await auth.submit(partnerPage, { login: 'bob' });
      expect(page.stoppedAt).toBeUndefined();
      expect([page.status, errorCodeOf(page.body)]).toEqual([400, 'reauthentication_missing']);
    } finally {
      world.partner.tamperIdTokens(undefined);
    }
    expect(await identities()).toEqual(before);
    expect((await world.foyer.foyer.users.findById(guest.userId))!.lastSignInDateTime).toEqual(lastSignIn.lastSignInDateTime);
  });

  it('does not count a trusted upstream MFA older than max_age', async () => {
    try {
      world.partner.tamperIdTokens({ claims: (c) => ({ ...c, auth_time: Math.floor(Date.now() / 1000) - 3600 }) });
      const { auth, partnerUrl } = await toPartner({ max_age: '300' });
      const page = await auth.open(partnerUrl.href);
      expect(page.stoppedAt).toBeUndefined();
      expect(errorCodeOf(page.body)).toBe('reauthentication_missing');
    } finally {
      world.partner.tamperIdTokens(undefined);
    }
  });
});
