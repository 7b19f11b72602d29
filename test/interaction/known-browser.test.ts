/**
 * Home-realm discovery follows a guest's linked IdP only in a browser that signed in as that
 * address before (src/interaction/known-browser.ts). In any other browser the email page answers as
 * for an unknown address of the domain; once the person proves the address (here by an emailed
 * code), Foyer sends them on to the IdP their account is linked to, and that IdP signs them in.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, appToken } from '../support/api-client.js';
import { Browser, headingOf } from '../support/browserless.js';
import { APP_URL, latestOutboxMail, redeemUrlIn, startGuestWorld, type GuestWorld } from '../support/guest-world.js';
import { PARTNER_USERS } from '../support/partner-idp.js';
import { WEB, finish, is, PAGES, start } from '../e2e-access/access-support.js';

let world: GuestWorld;
let carlId: string;
let carlsBrowser: Browser;

const codeIn = (mail: string) => /\b(\d{6})\b/.exec(mail.replace(/=\r?\n/g, '').split(/\r?\n\r?\n/).slice(1).join('\n'))![1]!;

/** Posts one of the interaction's own forms by URL, as a person pressing that button would. */
async function post(browser: Browser, url: string) {
  const csrf = browser.cookiesFor(url)['foyer.csrf']!;
  return browser.navigate(url, { init: { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ _csrf: csrf }).toString() }, stopAt: [APP_URL, WEB.redirectUri] });
}

/** /auth redirected to the partner without showing anything (upstream-from-authorization.ts). */
const wentStraightToPartner = (trail: string[]) => trail.length > 1 && trail[1]!.startsWith(world.partner.issuer);

beforeAll(async () => {
  // carl works at elsewhere.example but signs in with the partner's IdP (which is not authoritative for his domain).
  world = await startGuestWorld(() => {}, { users: { ...PARTNER_USERS, carl: { sub: 'carl-1', email: 'carl@elsewhere.example', emailVerified: true, name: 'Carl', amr: ['pwd'] } } });
  const token = await appToken(world.foyer.issuer, 'portal-app');
  const res = await api(world.foyer.issuer, token, 'POST', '/invitations', { invitedUserEmailAddress: 'carl@elsewhere.example', inviteRedirectUrl: APP_URL, sendInvitationMessage: true });
  carlId = (res.body.invitedUser as { id: string }).id;
  carlsBrowser = new Browser();
  const review = await carlsBrowser.navigate(redeemUrlIn(latestOutboxMail(world.foyer)));
  const offer = await carlsBrowser.submit(review, {}, { stopAt: [APP_URL] });
  const uid = /\/interaction\/([^/]+)/.exec(offer.url)![1]!;
  const partnerForm = await post(carlsBrowser, `${world.foyer.issuer}/interaction/${uid}/idp/partner`);
  const prove = await carlsBrowser.submit(partnerForm, { login: 'carl' }, { stopAt: [APP_URL] });
  expect(headingOf(prove.body)).toBe('Confirm your email address');
  const codePage = await carlsBrowser.submit(prove, {});
  const landed = await carlsBrowser.submit(codePage, { code: codeIn(latestOutboxMail(world.foyer)) }, { stopAt: [APP_URL] });
  expect(landed.stoppedAt).toBe(APP_URL);
});
afterAll(() => world?.stop());

describe('a returning guest whose IdP does not own their address', () => {
  it('is sent straight to that IdP in the browser they signed in with before', async () => {
    carlsBrowser.forget(world.foyer.issuer, (name) => name.startsWith('_session'));
    const auth = await start(carlsBrowser, world.foyer.issuer, WEB, { login_hint: 'carl@elsewhere.example' });
    expect(wentStraightToPartner(auth.page.trail)).toBe(true);
    // (The partner still has carl's session, so it answers at once and the app gets its code.)
    expect((await finish(auth)).sub).toBe(carlId);
  });

  it('in another browser is asked to prove the address like anyone, then sent to that IdP, which signs them in', async () => {
    const browser = new Browser();
    const auth = await start(browser, world.foyer.issuer, WEB, { login_hint: 'carl@elsewhere.example' });
    expect(headingOf(auth.page.body)).toBe('Confirm your email address');
    const codePage = await auth.submit(auth.page, {});
    const partnerForm = await auth.submit(codePage, { code: codeIn(latestOutboxMail(world.foyer)) });
    expect(is(partnerForm, PAGES.partner)).toBe(true);
    const landed = await auth.submit(partnerForm, { login: 'carl' });
    expect((await finish(auth, landed)).sub).toBe(carlId);
    // Now this browser is known too: next time the email page sends carl on at once.
    browser.forget(world.foyer.issuer, (name) => name.startsWith('_session'));
    expect(wentStraightToPartner((await start(browser, world.foyer.issuer, WEB, { login_hint: 'carl@elsewhere.example' })).page.trail)).toBe(true);
  });
});
