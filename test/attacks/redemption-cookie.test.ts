/**
 * Item 7 of the review: the cookie set when an invitation is accepted outlived the attempt. A
 * browser already signed in as another guest landed in the app as *that* guest without a word, and
 * later sign-ins in that browser (any app) were diverted into the invitation, or refused with
 * "invitation not valid" for an hour after a resend. Now a browser signed in as someone else is
 * told so and switches only when the person says to, and the cookie is honoured only by the one
 * sign-in that accepting started (its nonce), which clears it as it takes it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { api, appToken } from '../support/api-client.js';
import { Browser, headingOf } from '../support/browserless.js';
import { APP_URL, latestOutboxMail, redeemUrlIn } from '../support/guest-world.js';
import { WEB, finish, invitedGuest, is, PAGES, start } from '../e2e-access/access-support.js';
import { useWorld } from '../support/world.js';

const world = useWorld({ oidc: true, portal: true });
let token: string;
let alice: { userId: string; browser: Browser };

beforeAll(async () => {
  token = await appToken(world.foyer.issuer, 'portal-app');
  alice = await invitedGuest(world.foyer, token, 'alice@partner.example', 'alice');
});

async function invite(email: string) {
  const res = await api(world.foyer.issuer, token, 'POST', '/invitations', { invitedUserEmailAddress: email, inviteRedirectUrl: APP_URL, sendInvitationMessage: true });
  expect(res.status).toBe(201);
  return { id: res.body.id as string, userId: (res.body.invitedUser as { id: string }).id, redeemUrl: redeemUrlIn(latestOutboxMail(world.foyer)) };
}

const stateOf = async (userId: string) => (await world.foyer.foyer.users.findById(userId))!.externalUserState;

describe('accepting an invitation in a browser signed in as another guest', () => {
  it('says so, changes nothing until the person chooses, then signs the other account out and redeems', async () => {
    const bob = await invite('bob@partner.example');
    const review = await alice.browser.navigate(bob.redeemUrl);
    expect(headingOf(review.body)).toBe('Review permissions');
    expect(review.body).toContain('This browser is signed in as');
    expect(review.body).toContain('alice@partner.example');

    // A review form without the switch (rendered before alice signed in): asked, not switched.
    const session = alice.browser.cookiesFor(world.foyer.issuer)._session;
    const asked = await alice.browser.submit(review, { switchAccount: '' }, { stopAt: [APP_URL] });
    expect(headingOf(asked.body)).toBe('You are signed in as someone else');
    expect(alice.browser.cookiesFor(world.foyer.issuer)['foyer.redeem']).toBeUndefined();
    expect(alice.browser.cookiesFor(world.foyer.issuer)._session).toBe(session);
    expect(await stateOf(bob.userId)).toBe('PendingAcceptance');

    // Choosing to switch: a fresh sign-in as bob at the partner (alice's partner session is not what is
    // under test: it is gone), after which Foyer's oidc-provider ends alice's Foyer session first.
    alice.browser.forget(new URL(world.partner.issuer).origin);
    const partnerForm = await alice.browser.submit(asked, {}, { stopAt: [APP_URL] });
    expect(is(partnerForm, PAGES.partner)).toBe(true);
    const landed = await alice.browser.submit(partnerForm, { login: 'bob' }, { stopAt: [APP_URL] });
    expect(landed.stoppedAt).toBe(APP_URL);
    expect(await stateOf(bob.userId)).toBe('Accepted');

    // The app now signs this browser in as bob, never as alice.
    const auth = await start(alice.browser, world.foyer.issuer, WEB);
    expect((await finish(auth)).sub).toBe(bob.userId);
  });
});

describe('the redemption cookie', () => {
  it('does not divert a later sign-in to another app in that browser into the invitation', async () => {
    const erin = await invite('erin@partner.example');
    const browser = new Browser();
    const review = await browser.navigate(erin.redeemUrl);
    // Accept, but stop at the sign-in it starts (the person closes the tab).
    const accepted = await browser.submit(review, {}, { stopAt: [`${world.foyer.issuer}/auth`] });
    expect(accepted.stoppedAt).toBeDefined();
    expect(browser.cookiesFor(world.foyer.issuer)['foyer.redeem']).toBeDefined();

    // An ordinary sign-in to the web app asks for an email: not erin's invitation, not an error.
    const auth = await start(browser, world.foyer.issuer, WEB);
    expect(is(auth.page, PAGES.identify)).toBe(true);
    expect(auth.page.body).not.toContain('erin@partner.example');

    // After a resend replaced the ticket, the same browser still signs in normally (no "invitation not valid").
    expect((await api(world.foyer.issuer, token, 'POST', `/invitations/${erin.id}/resend`)).status).toBe(200);
    const again = await start(browser, world.foyer.issuer, WEB);
    expect(is(again.page, PAGES.identify)).toBe(true);
    expect(await stateOf(erin.userId)).toBe('PendingAcceptance');
  });

  it('is taken by the sign-in that accepting started, and cleared as it is taken', async () => {
    const frank = await invite('frank@partner.example');
    const browser = new Browser();
    const review = await browser.navigate(frank.redeemUrl);
    const partnerForm = await browser.submit(review, {}, { stopAt: [APP_URL] });
    expect(is(partnerForm, PAGES.partner)).toBe(true);
    expect(browser.cookiesFor(world.foyer.issuer)['foyer.redeem']).toBeUndefined();
  });
});
