/**
 * A guest's access end (accessExpirationDateTime) counts from its instant, not from the expiry
 * sweep that disables the account later (up to a job interval later, longer if every node is
 * down). One second after the end, with no sweep run: a new sign-in through the partner is refused
 * with nothing written for the guest but the failed attempt, their refresh token and their session
 * get nothing, My Apps sends them to sign in. A new end given before the sweep (an extend link used
 * before the end, or an invitation again with a new end) counts at once. A member without an end
 * signs in and refreshes as before. Real Foyer, real partner IdP, the lifecycle clock moved by hand.
 */
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS, manualClock } from '../../src/lib/clock.js';
import { finish, is, PAGES, signInAsGuest, signInRows, start, WEB } from '../e2e-access/access-support.js';
import { memberOnMyApps, PASSWORD, redeemLink, submitForm } from '../portal/portal-helpers.js';
import { Browser, errorCodeOf, headingOf } from '../support/browserless.js';
import { callbackError, finishAuthorization, oauthErrorOf, signedInWebApp, startAuthorization, WEB_APP, webAppClient } from '../support/oidc-client.js';
import { partnerUser, startWorld, type World } from '../support/world.js';

const clock = manualClock(new Date());
let world: World;
const issuer = () => world.foyer.issuer;
const db = () => world.foyer.foyer.db;
const myApps = () => `${issuer()}/myapps`;
const inDays = (n: number) => new Date(clock.now().getTime() + n * DAY_MS).toISOString();
/** One second after `end`: the access has ended, and no sweep has run since. */
const justAfter = (end: string) => clock.set(new Date(Date.parse(end) + 1000));

beforeAll(async () => {
  world = await startWorld({
    oidc: [{ users: Object.fromEntries(['cem', 'dan', 'eda', 'fay'].map((l) => [l, partnerUser(l)])) }],
    portal: true,
    smtp: true,
    clock,
    members: ['sponsor@contoso.example', 'mia@contoso.example'],
  });
});
afterAll(() => world?.stop());

/** A guest invited with an access end, redeemed, signed in to My Apps and to the web app (with a refresh token) in their own browser. */
async function guest(login: string, end: string) {
  const invited = await world.invite(`${login}@partner.example`, { inviteRedirectUrl: myApps(), invitedUserSponsors: [{ id: world.members['sponsor@contoso.example'] }], accessExpirationDateTime: end });
  const browser = new Browser();
  const landed = await redeemLink(world, browser, invited.redeemUrl, login, 'http://never.example/');
  expect([landed.url, headingOf(landed.body)]).toEqual([myApps(), 'My Apps']);
  const config = await webAppClient(issuer());
  const pending = await startAuthorization(config);
  const page = await browser.navigate(pending.url.href, { stopAt: [WEB_APP.redirectUri] });
  const tokens = await finishAuthorization(config, page.stoppedAt!, pending);
  expect(tokens.refresh_token).toBeTruthy();
  return { userId: invited.userId, browser, config, tokens };
}

/** A new sign-in to the web app in a fresh browser, through the partner's login form. */
async function freshSignIn(login: string) {
  const auth = await start(new Browser(), issuer(), WEB);
  return { auth, landed: await signInAsGuest(auth, `${login}@partner.example`, login) };
}

/** Everything stored for the guest: the user row, their identities (with last use) and invitations. */
async function rowsOf(userId: string) {
  return {
    user: await db()('users').where({ id: userId }).first(),
    identities: await db()('identities').where({ user_id: userId }).orderBy('id'),
    invitations: await db()('invitations').where({ user_id: userId }).orderBy('id'),
  };
}

describe("a guest one second after their access end, before any sweep", () => {
  it('is refused everywhere: a new sign-in (only the failure logged), the refresh token, the session at /auth and My Apps; the sweep then disables as before', async () => {
    const end = inDays(5);
    const { userId, browser, config, tokens } = await guest('cem', end);
    justAfter(end);
    const before = await rowsOf(userId);
    expect(before.user.account_enabled).toBeTruthy(); // no sweep has run
    const failuresBefore = await signInRows(world.foyer, { user_id: userId, result: 'failure' });

    // (1) A new sign-in through the partner: refused with its own code, nothing written for the guest.
    const { landed } = await freshSignIn('cem');
    expect(landed.stoppedAt).toBeUndefined();
    expect([landed.status, errorCodeOf(landed.body)]).toEqual([403, 'accessExpired']);
    expect(await rowsOf(userId)).toEqual(before);
    const failures = await signInRows(world.foyer, { user_id: userId, result: 'failure' });
    expect(failures.slice(failuresBefore.length).map((r) => [r.error_code, r.identity_provider])).toEqual([['accessExpired', 'partner']]);

    // (2) The refresh token from before the end: invalid_grant, no token.
    expect(await oauthErrorOf(client.refreshTokenGrant(config, tokens.refresh_token!))).toMatchObject({ error: 'invalid_grant' });

    // Their access token from before the end, at userinfo: refused too.
    expect(await oauthErrorOf(client.fetchUserInfo(config, tokens.access_token, userId))).toMatchObject({ status: 401 });

    // (3) The existing session at /auth with prompt=none: an error to the app, no code.
    const pending = await startAuthorization(config, { prompt: 'none' });
    const silent = await browser.navigate(pending.url.href, { stopAt: [WEB_APP.redirectUri] });
    expect(silent.stoppedAt).toBeTruthy();
    expect(new URL(silent.stoppedAt!).searchParams.has('code')).toBe(false);
    expect(callbackError(silent.stoppedAt!)?.error).toBe('login_required');

    // Without prompt=none the same session is asked to sign in again, not given a code either.
    const again = await start(browser, issuer(), WEB);
    expect(again.page.stoppedAt).toBeUndefined();
    expect(is(again.page, PAGES.identify)).toBe(true);

    // My Apps in the guest's browser: sent to sign in.
    const portal = await browser.navigate(myApps(), { stopAt: [`${issuer()}/auth`] });
    expect(portal.stoppedAt ?? portal.url).toContain('/auth');
    expect(await rowsOf(userId)).toEqual(before);

    // The sweep still disables and audits at its next run.
    clock.advance(15 * 60_000);
    await world.foyer.foyer.jobs.runDue();
    expect((await world.foyer.foyer.users.findById(userId))?.accountEnabled).toBe(false);
    expect(await db()('audit_log').where({ activity: 'Disable account', target_id: userId, actor_type: 'system' }).pluck('details')).toEqual([expect.stringContaining('accessExpired')]);
  });

  it("the sponsor's extend link, used after the end but before the sweep, is dead and changes nothing", async () => {
    const end = inDays(5);
    const { userId } = await guest('dan', end);
    clock.advance(15 * 60_000);
    await world.foyer.foyer.jobs.runDue(); // inside the notice window: the sponsor gets the link
    const mail = await world.smtp.waitForMessage('sponsor@contoso.example');
    const link = /(http:\/\/[^\s"]+\/myapps\/extend\?t=[A-Za-z0-9_-]{43})/.exec(mail.text.replace(/=\r?\n/g, '').replace(/=3D/g, '='))![1]!;
    justAfter(end);

    const sponsor = await memberOnMyApps(world.foyer, 'sponsor@contoso.example', link.slice(issuer().length));
    expect([sponsor.page.status, errorCodeOf(sponsor.page.body)]).toEqual([410, 'extensionLinkExpired']);
    expect((await db()('users').where({ id: userId }).first()).access_expires_at).toBe(end);
    const { landed } = await freshSignIn('dan');
    expect([landed.status, errorCodeOf(landed.body)]).toEqual([403, 'accessExpired']);
  });
});

describe('a new end given before the sweep counts at once', () => {
  it('an extend link used before the end: one second after the old end the guest signs in and refreshes', async () => {
    const end = inDays(5);
    const { userId, config, tokens } = await guest('eda', end);
    clock.advance(15 * 60_000);
    await world.foyer.foyer.jobs.runDue();
    const mail = await world.smtp.waitForMessage('sponsor@contoso.example');
    const link = /(http:\/\/[^\s"]+\/myapps\/extend\?t=[A-Za-z0-9_-]{43})/.exec(mail.text.replace(/=\r?\n/g, '').replace(/=3D/g, '='))![1]!;
    const { browser, page } = await memberOnMyApps(world.foyer, 'sponsor@contoso.example', link.slice(issuer().length));
    expect(headingOf((await submitForm(browser, page, '/myapps/extend')).body)).toBe('Access extended');
    justAfter(end);

    const { auth, landed } = await freshSignIn('eda');
    expect((await finish(auth, landed)).sub).toBe(userId);
    expect((await client.refreshTokenGrant(config, tokens.refresh_token!)).access_token).toBeTruthy();
    expect((await db()('users').where({ id: userId }).first()).account_enabled).toBeTruthy();
  });

  it('after the end, inviting the guest again with a new end gives access back at once (the way back once the link is dead)', async () => {
    const end = inDays(5);
    const { userId } = await guest('fay', end);
    justAfter(end);
    expect((await freshSignIn('fay')).landed.status).toBe(403);

    // An accepted guest is invited again only when asked for explicitly (sendAgain); no ticket is made for them.
    await world.invite('fay@partner.example', { inviteRedirectUrl: myApps(), accessExpirationDateTime: inDays(30), sendAgain: true, sendInvitationMessage: false });
    const { auth, landed } = await freshSignIn('fay');
    expect((await finish(auth, landed)).sub).toBe(userId);
    expect((await db()('users').where({ id: userId }).first()).access_expires_at).toBe(inDays(30));
  });
});

describe('a member without an access end', () => {
  it('signs in and refreshes at the same instant, unaffected', async () => {
    const { tokens, config } = await signedInWebApp(issuer(), 'mia@contoso.example', PASSWORD);
    expect((await client.refreshTokenGrant(config, tokens.refresh_token!)).access_token).toBeTruthy();
  });
});
