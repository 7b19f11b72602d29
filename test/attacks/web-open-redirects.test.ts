import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as client from 'openid-client';
import { api, appToken } from '../support/api-client.js';
import { Browser, errorCodeOf, leakedInternals } from '../support/browserless.js';
import { latestOutboxMail, redeemUrlIn, startGuestWorld, type GuestWorld } from '../support/guest-world.js';
import { isIdentifyPage, isPasswordPage, signIn, startAuthorization, webAppClient, WEB_APP } from '../support/oidc-client.js';
import { signInAtPartner } from '../support/partner-idp.js';
import { DEMO_SECRET } from '../support/start-foyer.js';
import { partnerUser, PASSWORD } from '../portal/portal-helpers.js';
import { followUntilExit } from './support/web-redirects.js';
import { worldState } from './support/web-snapshot.js';

/**
 * Open redirects: every place Foyer sends a browser onwards (the authorization response, the end
 * of a sign-out, the landing page after accepting an invitation, My Apps after its own sign-in)
 * with a destination the attacker chose. Each is refused, or lands on a registered app's origin
 * as a browser resolves the Location (followUntilExit), never on the attacker's site.
 */
const APP_ORIGIN = 'http://127.0.0.1:9999';
const HTTPS_APP = 'https://app.example';
const MEMBER = 'meg@contoso.example';
const GUESTS = ['r1', 'r2', 'r3', 'r4'] as const;

let world: GuestWorld;
let issuer: string;
let origin: string;
let inviterToken: string;
/** A browser signed in to Foyer as MEMBER, and the ID token it got. */
let signedIn: { browser: Browser; idToken: string };

beforeAll(async () => {
  world = await startGuestWorld(
    (config) => {
      (config.apps as unknown[]).push({ id: 'https-app', displayName: 'HTTPS App', clientSecret: DEMO_SECRET, redirectUris: [`${HTTPS_APP}/callback`], launchUrl: `${HTTPS_APP}/`, grantTypes: ['authorization_code'] });
    },
    { users: Object.fromEntries(GUESTS.map((g) => [g, partnerUser(g)])) },
  );
  issuer = world.foyer.issuer;
  origin = new URL(issuer).origin;
  inviterToken = await appToken(issuer, 'portal-app');
  await world.foyer.createMember(MEMBER, PASSWORD);
  const browser = new Browser();
  const { tokens } = await signIn(browser, await webAppClient(issuer), { email: MEMBER, password: PASSWORD });
  signedIn = { browser, idToken: tokens.id_token! };
});
afterAll(() => world?.stop());

const expectRefusedPage = async (res: Response, code: string) => {
  const body = await res.text();
  expect([res.status, res.headers.get('location'), errorCodeOf(body), leakedInternals(body)]).toEqual([400, null, code, undefined]);
};

describe('redirect_uri at the authorization endpoint', () => {
  const LOOKALIKES = [
    'https://evil.example/callback',
    `${APP_ORIGIN}/callback/../../evil`,
    `${APP_ORIGIN}/callback?next=https://evil.example`,
    `${APP_ORIGIN}/callbackevil`,
    `${APP_ORIGIN}/callback/`,
    `${APP_ORIGIN}@evil.example/callback`,
    `http://127.0.0.1:9999.evil.example/callback`,
    '//evil.example/callback',
    `${WEB_APP.redirectUri}#@evil.example`,
  ];

  it.each(LOOKALIKES)('%s is refused with a page, even for a signed-in browser asking prompt=none', async (redirectUri) => {
    const pending = await startAuthorization(await webAppClient(issuer), { redirect_uri: redirectUri, prompt: 'none' });
    await expectRefusedPage(await signedIn.browser.request(pending.url.href), 'invalid_redirect_uri');
  });
});

describe('post_logout_redirect_uri at the end-session endpoint', () => {
  const LOOKALIKES = ['https://evil.example/', `${APP_ORIGIN}/evil`, APP_ORIGIN, `${APP_ORIGIN}/?next=https://evil.example`, `${APP_ORIGIN}@evil.example/`];

  it.each(LOOKALIKES)('%s is refused with a page, and the session stays', async (target) => {
    const config = await webAppClient(issuer);
    const url = client.buildEndSessionUrl(config, { id_token_hint: signedIn.idToken, post_logout_redirect_uri: target });
    await expectRefusedPage(await signedIn.browser.request(url.href), 'invalid_request');
    // Still signed in: prompt=none comes straight back with a code.
    const again = await startAuthorization(config, { prompt: 'none' });
    const back = await signedIn.browser.navigate(again.url.href, { stopAt: [WEB_APP.redirectUri] });
    expect(new URL(back.stoppedAt!).searchParams.has('code')).toBe(true);
  });
});

describe('inviteRedirectUrl on POST /v1.0/invitations', () => {
  const REFUSED: [string, string][] = [
    ['https://app.example.evil.com/', 'redirectUrlNotRegistered'],
    ['https://evil.com/#https://app.example/', 'redirectUrlNotRegistered'],
    ['https://evil.com/?https://app.example/', 'redirectUrlNotRegistered'],
    ['https://app.example@evil.com/', 'redirectUrlNotRegistered'],
    ['https://app.example%2F@evil.com/', 'redirectUrlNotRegistered'],
    [`${APP_ORIGIN}@evil.com/`, 'redirectUrlNotRegistered'],
    ['https:evil.com', 'redirectUrlNotRegistered'],
    ['http://app.example/', 'redirectUrlNotRegistered'],
    ['javascript:alert(document.cookie)//https://app.example/', 'redirectUrlNotRegistered'],
    ['data:text/html,<script>alert(1)</script>', 'redirectUrlNotRegistered'],
    ['//evil.com/', 'invalidRequest'],
    ['/\\evil.com', 'invalidRequest'],
    ['https://app.example%2f%2fevil.com', 'invalidRequest'],
  ];

  it.each(REFUSED)('%s is refused (%s): no guest, no invitation, no mail', async (url, code) => {
    const before = await worldState(world.foyer);
    const res = await api(issuer, inviterToken, 'POST', '/invitations', { invitedUserEmailAddress: 'nobody@partner.example', inviteRedirectUrl: url, sendInvitationMessage: true });
    expect([res.status, (res.body.error as { code?: string } | undefined)?.code]).toEqual([400, code]);
    expect(leakedInternals(JSON.stringify(res.body))).toBeUndefined();
    expect(await worldState(world.foyer)).toEqual(before);
  });

  /** Accepted, because a URL parser reads them as a page of a registered app; the browser must land there too. */
  const TRICKY: [(typeof GUESTS)[number], string, string][] = [
    ['r1', 'https://app.example\\@evil.com/', HTTPS_APP],
    ['r2', `${APP_ORIGIN}\\@evil.com/`, APP_ORIGIN],
    ['r3', 'http:/\\127.0.0.1:9999/landing', APP_ORIGIN],
    ['r4', `${APP_ORIGIN}//evil.com/%2F%2Fevil.com`, APP_ORIGIN],
  ];

  it.each(TRICKY)('%s: %s is read as a page of a registered app, and accepting it lands there, the first time and on a second click', async (login, url, landing) => {
    const res = await api(issuer, inviterToken, 'POST', '/invitations', { invitedUserEmailAddress: `${login}@partner.example`, inviteRedirectUrl: url, sendInvitationMessage: true });
    expect(res.status).toBe(201);
    const redeemUrl = redeemUrlIn(latestOutboxMail(world.foyer));
    const browser = new Browser();
    const partnerForm = await browser.submit(await browser.navigate(redeemUrl), {});
    const callback = `${issuer}/federation/partner/callback`;
    const params = await signInAtPartner(browser, partnerForm.url, login, callback);
    const first = await followUntilExit(browser, `${callback}?${new URLSearchParams(params)}`, origin);
    const second = await followUntilExit(browser, redeemUrl, origin);
    expect([first.exit?.origin, second.exit?.origin]).toEqual([landing, landing]);
  });
});

describe('My Apps: where the browser goes after the portal’s own sign-in', () => {
  const PATHS = ['/myapps//evil.com', '/myapps?returnTo=https://evil.com/', '/myapps/account?next=//evil.com', '/myapps/%2F%2Fevil.com', '//evil.com/myapps', '/myapps/account/security/verify?returnTo=https://evil.com/'];

  it.each(PATHS)('%s never sends the browser off Foyer, before or after signing in', async (path) => {
    const browser = new Browser();
    const start = await followUntilExit(browser, `${issuer}${path}`, origin);
    expect(start.exit).toBeUndefined();
    expect(leakedInternals(start.body)).toBeUndefined();
    if (start.status !== 200) return expect(start.status).toBe(404);
    // The portal's sign-in (a fresh one for security/verify): email, password, then the callback.
    const page = { url: start.url, status: start.status, headers: new Headers(), body: start.body, trail: [] };
    expect(isIdentifyPage(page) || isPasswordPage(page)).toBe(true);
    const password = isPasswordPage(page) ? page : await browser.submit(page, { email: MEMBER });
    const done = await browser.submit(password, { email: MEMBER, password: PASSWORD }, { stopAt: [`${issuer}/myapps/callback`] });
    const landed = await followUntilExit(browser, done.stoppedAt!, origin);
    // My Apps, or (for "sign in again") Foyer's own sign-in page once more: a page here, never an exit.
    expect([landed.exit, landed.status]).toEqual([undefined, 200]);
  });

  it('a portal sign-in whose signed pending cookie was rewritten to land elsewhere is refused, with no session', async () => {
    const browser = new Browser();
    const start = await browser.request(`${issuer}/myapps`);
    const pendingCookie = browser.cookiesFor(`${issuer}/myapps/callback`)['foyer.portal.login']!;
    const pending = JSON.parse(Buffer.from(pendingCookie, 'base64url').toString()) as Record<string, string>;
    const forged = Buffer.from(JSON.stringify({ ...pending, returnTo: 'https://evil.com/' })).toString('base64url');
    // Sign in for real, then arrive at the callback with the rewritten cookie (its signature kept).
    const page = await browser.navigate(start.headers.get('location')!);
    const password = await browser.submit(page, { email: MEMBER });
    const done = await browser.submit(password, { email: MEMBER, password: PASSWORD }, { stopAt: [`${issuer}/myapps/callback`] });
    const cookies = { ...browser.cookiesFor(done.stoppedAt!), 'foyer.portal.login': forged };
    const res = await fetch(done.stoppedAt!, { redirect: 'manual', headers: { accept: 'text/html', cookie: Object.entries(cookies).map(([k, v]) => `${k}=${v}`).join('; ') } });
    const body = await res.text();
    expect([res.status, res.headers.get('location'), errorCodeOf(body)]).toEqual([400, null, 'signInStateMismatch']);
    expect(res.headers.getSetCookie().some((c) => c.startsWith('foyer.portal=') && !c.startsWith('foyer.portal=;'))).toBe(false);
  });
});
