import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { api, appToken } from '../support/api-client.js';
import { Browser, errorCodeOf } from '../support/browserless.js';
import { latestOutboxMail, redeemUrlIn } from '../support/guest-world.js';
import { isConsentPage, openSignIn, spaClient, SPA_APP, startAuthorization, webAppClient } from '../support/oidc-client.js';
import { PASSWORD } from '../portal/portal-helpers.js';
import { CROSS_SITE, post } from './support/web-forms.js';
import { worldState } from './support/web-snapshot.js';
import { useWorld } from '../support/world.js';

/**
 * Login CSRF the other way round: another site makes the victim's browser post Foyer's sign-in
 * forms with the attacker's credentials (a password, an emailed passcode, an address to route),
 * to sign the victim in as the attacker and watch what they do; or posts a consent for them. The
 * forged forms lack the CSRF token, or carry the attacker's own. The mechanism: double-submit CSRF
 * (src/http/csrf.ts) on every interaction, redemption and portal form, before any handler runs;
 * and the interaction of the attacker's own sign-in is bound to the attacker's browser. Nothing may
 * change: no session in the victim's browser, no sign-in recorded for the attacker, no mail.
 */
const world = useWorld({ oidc: true, portal: true });
let issuer: string;
/** The attacker's own guest account, which signs in with an emailed passcode. */
const ATTACKER_GUEST = 'mal@elsewhere.example';
const ATTACKER_MEMBER = 'mallory@contoso.example';

beforeAll(async () => {
  issuer = world.foyer.issuer;
  await world.foyer.createMember(ATTACKER_MEMBER, PASSWORD);
  await world.foyer.createMember('vic@contoso.example', PASSWORD);
  const mal = await world.foyer.foyer.users.create({ mail: ATTACKER_GUEST, userType: 'Guest', externalUserState: 'Accepted' });
  await world.foyer.foyer.identities.link(mal.id, { idpId: 'email-otp', issuer: 'urn:foyer:email-otp', subject: ATTACKER_GUEST, email: ATTACKER_GUEST });
});

const at = (uid: string, path: string) => `${issuer}/interaction/${uid}${path}`;
const sessionCookies = (b: Browser) => Object.keys(b.cookiesFor(`${issuer}/auth`)).filter((n) => n.startsWith('_session'));

/** The victim's browser with a sign-in of its own at the email page (so it has an interaction and a CSRF cookie). */
async function victimAtEmailPage() {
  const browser = new Browser();
  const { uid } = await openSignIn(browser, await webAppClient(issuer));
  return { browser, uid };
}

/** The attacker, in their own browser, as far as the passcode for their own account: the code and their interaction. */
async function attackersPasscode() {
  const browser = new Browser();
  const { page, uid } = await openSignIn(browser, await webAppClient(issuer));
  await browser.submit(page, { email: ATTACKER_GUEST });
  const code = /Enter this code on the sign-in page: (\d{6,8})/.exec(latestOutboxMail(world.foyer).replace(/=\r?\n/g, ''))?.[1];
  expect(code).toBeDefined();
  return { browser, uid, code: code!, csrf: browser.cookiesFor(issuer)['foyer.csrf']! };
}

describe('forged sign-in forms posted from another site', () => {
  it('the victim’s own sign-in refuses every form without the CSRF token, or with the attacker’s', async () => {
    const attacker = await attackersPasscode();
    const { browser, uid } = await victimAtEmailPage();
    const before = await worldState(world.foyer);
    const forms: [string, Record<string, string>][] = [
      ['/identify', { email: ATTACKER_GUEST }],
      ['/login', { email: ATTACKER_MEMBER, password: PASSWORD }],
      ['/passcode', { code: attacker.code }],
      ['/passcode/send', {}],
      ['/idp/partner', {}],
      ['/idp/email-otp', {}],
      ['/consent', {}],
    ];
    for (const [path, fields] of forms) {
      for (const csrf of [undefined, attacker.csrf]) {
        const res = await post(browser, at(uid, path), { ...fields, ...(csrf ? { _csrf: csrf } : {}) }, { csrf: false, headers: CROSS_SITE });
        expect([path, res.status, res.code, res.location]).toEqual([path, 403, 'csrfTokenInvalid', null]);
      }
    }
    expect(sessionCookies(browser)).toEqual([]);
    expect(await worldState(world.foyer)).toEqual(before);
  });

  it('the attacker’s own sign-in, finished from the victim’s browser with the attacker’s passcode or password, is refused', async () => {
    const attacker = await attackersPasscode();
    const victim = new Browser();
    // The victim's browser has visited Foyer before (it has a CSRF cookie of its own, which the attacker cannot read).
    await openSignIn(victim, await webAppClient(issuer));
    const before = await worldState(world.foyer);
    for (const [path, fields] of [
      ['/passcode', { code: attacker.code, _csrf: attacker.csrf }],
      ['/login', { email: ATTACKER_MEMBER, password: PASSWORD, _csrf: attacker.csrf }],
    ] as [string, Record<string, string>][]) {
      const res = await post(victim, at(attacker.uid, path), fields, { csrf: false, headers: CROSS_SITE });
      expect([path, res.status, res.code]).toEqual([path, 403, 'csrfTokenInvalid']);
    }
    // Even a browser that happened to share the attacker's CSRF token lacks the attacker's interaction.
    const res = await fetch(at(attacker.uid, '/passcode'), {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html', cookie: `foyer.csrf=${attacker.csrf}`, ...CROSS_SITE },
      body: new URLSearchParams({ _csrf: attacker.csrf, code: attacker.code }).toString(),
    });
    expect([res.status, errorCodeOf(await res.text())]).toEqual([400, 'interactionExpired']);
    expect(sessionCookies(victim)).toEqual([]);
    expect(await worldState(world.foyer)).toEqual(before);
  });

  it('a forged consent for a third-party app grants nothing', async () => {
    const browser = new Browser();
    const spa = await spaClient(issuer);
    const pending = await startAuthorization(spa, { redirect_uri: SPA_APP.redirectUri });
    const identify = await browser.navigate(pending.url.href, { stopAt: [SPA_APP.redirectUri] });
    const password = await browser.submit(identify, { email: 'vic@contoso.example' });
    const consent = await browser.submit(password, { email: 'vic@contoso.example', password: PASSWORD }, { stopAt: [SPA_APP.redirectUri] });
    expect(isConsentPage(consent)).toBe(true);
    const uid = /\/interaction\/([^/?#]+)/.exec(consent.url)![1]!;
    const before = await worldState(world.foyer);
    const res = await post(browser, at(uid, '/consent'), {}, { csrf: false, headers: CROSS_SITE });
    expect([res.status, res.code, res.location]).toEqual([403, 'csrfTokenInvalid', null]);
    expect(await worldState(world.foyer)).toEqual(before);
    // The control: the person's own click on Allow goes through.
    expect((await browser.submit(consent, {}, { stopAt: [SPA_APP.redirectUri] })).stoppedAt).toContain('code=');
  });

  it('accepting an invitation by a forged post sets nothing in the victim’s browser', async () => {
    const inviter = await appToken(issuer, 'portal-app');
    expect((await api(issuer, inviter, 'POST', '/invitations', { invitedUserEmailAddress: 'decoy@elsewhere.example', inviteRedirectUrl: 'http://127.0.0.1:9999/', sendInvitationMessage: true })).status).toBe(201);
    const ticket = new URL(redeemUrlIn(latestOutboxMail(world.foyer))).searchParams.get('t')!;
    const victim = new Browser();
    await victim.request(`${issuer}/redeem?t=${randomBytes(32).toString('base64url')}`);
    const before = await worldState(world.foyer);
    const res = await post(victim, `${issuer}/redeem`, { t: ticket }, { csrf: false, headers: CROSS_SITE });
    expect([res.status, res.code, res.location]).toEqual([403, 'csrfTokenInvalid', null]);
    expect(Object.keys(victim.cookiesFor(`${issuer}/`)).filter((n) => n.startsWith('foyer.redeem'))).toEqual([]);
    expect(await worldState(world.foyer)).toEqual(before);
  });
});
