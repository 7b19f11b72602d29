/**
 * An invitation for a guest whose access has ended (accessExpirationDateTime passed) either gives
 * access back or is refused. Without a new end in the future it is refused before anything is
 * written or mailed (400 accessEndRequired): a new invitation, sendAgain for an accepted guest, a
 * resend; before and after the expiry sweep. With a new end it gives access back: the end replaced,
 * the account the sweep switched off switched back on, the link redeemed and the guest signed in
 * with a token issued. An account an administrator switched off stays off. Real Foyer, real partner
 * IdP, the lifecycle clock moved by hand.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS, manualClock } from '../../src/lib/clock.js';
import { finish, signInAsGuest, start, WEB } from '../e2e-access/access-support.js';
import { memberOnMyApps, redeemLink } from '../portal/portal-helpers.js';
import { api, appToken } from '../support/api-client.js';
import { Browser, errorCodeOf, headingOf } from '../support/browserless.js';
import { APP_URL, daemonApp, partnerUser, PORTAL_APP, startWorld, type World } from '../support/world.js';

const clock = manualClock(new Date());
let world: World;
const issuer = () => world.foyer.issuer;
const db = () => world.foyer.foyer.db;
const myApps = () => `${issuer()}/myapps`;
const inDays = (n: number) => new Date(clock.now().getTime() + n * DAY_MS).toISOString();
const justAfter = (end: string) => clock.set(new Date(Date.parse(end) + 1000));
const LOGINS = ['ana', 'ben', 'cai', 'dov', 'eli', 'fox', 'gil'];

beforeAll(async () => {
  world = await startWorld({
    oidc: [{ users: Object.fromEntries(LOGINS.map((l) => [l, partnerUser(l)])) }],
    portal: true,
    smtp: true,
    clock,
    members: ['sponsor@contoso.example', { email: 'admin@contoso.example', admin: true }],
    customize: (config) => {
      (config.apps as unknown[]).push(daemonApp('writer-app', ['User.ReadWrite.All']));
    },
  });
});
afterAll(() => world?.stop());

const sponsors = () => [{ id: world.members['sponsor@contoso.example']! }];
const graph = async (method: string, path: string, body?: unknown, app = PORTAL_APP.id) => api(issuer(), await appToken(issuer(), app), method, path, body);
const codeOf = (body: unknown) => (body as { error?: { code?: string; message?: string } }).error;

/** Everything an invitation could write for anyone: users, invitations, audit entries, mails. */
async function everything() {
  return {
    users: await db()('users').orderBy('id'),
    invitations: await db()('invitations').orderBy('id'),
    audit: (await db()('audit_log').count({ n: '*' }))[0],
    mails: world.smtp.messages.length,
  };
}

/** A guest invited with an access end; accepted (redeemed in a browser) when `accept`. */
async function guestWithEnd(login: string, end: string, accept: boolean) {
  const invited = await world.invite(`${login}@partner.example`, { inviteRedirectUrl: myApps(), invitedUserSponsors: sponsors(), accessExpirationDateTime: end, sendInvitationMessage: accept });
  if (accept) {
    const landed = await redeemLink(world, new Browser(), invited.redeemUrl, login, 'http://never.example/');
    expect(headingOf(landed.body)).toBe('My Apps');
  }
  return invited;
}

async function sweep() {
  clock.advance(15 * 60_000);
  await world.foyer.foyer.jobs.runDue();
}

/** A new sign-in to the web app in a fresh browser, through the partner's login form, to the token. */
async function signIn(login: string) {
  const auth = await start(new Browser(), issuer(), WEB);
  const landed = await signInAsGuest(auth, `${login}@partner.example`, login);
  return { auth, landed };
}

async function expectRefused(res: { status: number; body: unknown }, end: string) {
  expect([res.status, codeOf(res.body)?.code]).toEqual([400, 'accessEndRequired']);
  expect(codeOf(res.body)?.message).toContain(`ended on ${end}`);
  expect(codeOf(res.body)?.message).toContain('accessExpirationDateTime');
}

describe('an invitation without a new end for a guest whose access ended', () => {
  it('is refused on Graph before the sweep (new invitation, resend), nothing written or mailed', async () => {
    const end = inDays(5);
    const invited = await guestWithEnd('ana', end, false);
    justAfter(end);
    const before = await everything();
    await expectRefused(await graph('POST', '/invitations', { invitedUserEmailAddress: 'ana@partner.example', inviteRedirectUrl: APP_URL, sendInvitationMessage: true }), end);
    await expectRefused(await graph('POST', `/invitations/${invited.id}/resend`), end);
    expect(await everything()).toEqual(before);
  });

  it('is refused on Graph for an accepted guest asked again (sendAgain), before and after the sweep; a new end in the past too', async () => {
    const end = inDays(5);
    await guestWithEnd('ben', end, true);
    justAfter(end);
    const again = { invitedUserEmailAddress: 'ben@partner.example', inviteRedirectUrl: APP_URL, sendInvitationMessage: true, sendAgain: true };
    const before = await everything();
    await expectRefused(await graph('POST', '/invitations', again), end);
    expect(await everything()).toEqual(before);

    await sweep();
    const swept = await everything();
    await expectRefused(await graph('POST', '/invitations', again), end);
    // An end before the clock's now (here: between the old end and now) gives nothing back either.
    await expectRefused(await graph('POST', '/invitations', { ...again, accessExpirationDateTime: new Date(Date.parse(end) + 500).toISOString() }), end);
    expect(await everything()).toEqual(swept);
  });
});

describe("the admin console's resend for a guest whose access ended", () => {
  it('shows the refusal as a page error (400 accessEndRequired), nothing written or mailed', async () => {
    const end = inDays(5);
    const { userId } = await guestWithEnd('gil', end, false);
    justAfter(end);
    const { browser } = await memberOnMyApps(world.foyer, 'admin@contoso.example');
    const before = await everything();
    const res = await browser.request(`${issuer()}/myapps/admin/guests/${userId}/resend`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: browser.cookiesFor(issuer())['foyer.csrf'] ?? '' }).toString(),
    });
    const body = await res.text();
    expect([res.status, errorCodeOf(body)]).toEqual([400, 'accessEndRequired']);
    expect(await everything()).toEqual(before);
  });
});

describe('an invitation with a new end gives access back', () => {
  it('before the sweep: a never-redeemed guest redeems the new link and signs in', async () => {
    const end = inDays(5);
    const { userId } = await guestWithEnd('cai', end, false);
    justAfter(end);
    const newEnd = inDays(30);
    const again = await world.invite('cai@partner.example', { inviteRedirectUrl: myApps(), accessExpirationDateTime: newEnd });
    const landed = await redeemLink(world, new Browser(), again.redeemUrl, 'cai', 'http://never.example/');
    expect(headingOf(landed.body)).toBe('My Apps');
    const { auth, landed: signedIn } = await signIn('cai');
    expect((await finish(auth, signedIn)).sub).toBe(userId);
    expect(await db()('users').where({ id: userId }).first('access_expires_at', 'account_enabled', 'external_user_state')).toMatchObject({ access_expires_at: newEnd, external_user_state: 'Accepted' });
  });

  it('after the sweep: a never-redeemed guest is switched back on, redeems and signs in', async () => {
    const end = inDays(5);
    const { userId } = await guestWithEnd('dov', end, false);
    justAfter(end);
    await sweep();
    expect((await db()('users').where({ id: userId }).first()).account_enabled).toBeFalsy();

    const newEnd = inDays(30);
    const again = await world.invite('dov@partner.example', { inviteRedirectUrl: myApps(), accessExpirationDateTime: newEnd });
    const landed = await redeemLink(world, new Browser(), again.redeemUrl, 'dov', 'http://never.example/');
    expect(headingOf(landed.body)).toBe('My Apps');
    const { auth, landed: signedIn } = await signIn('dov');
    expect((await finish(auth, signedIn)).sub).toBe(userId);
    expect(await db()('users').where({ id: userId }).first('access_expires_at', 'account_enabled')).toMatchObject({ access_expires_at: newEnd });
    expect((await db()('users').where({ id: userId }).first()).account_enabled).toBeTruthy();
    const enabled = await db()('audit_log').where({ target_id: userId, activity: 'Enable account' });
    expect(enabled.map((e) => JSON.parse(e.details as string).reason)).toEqual(['newAccessEnd']);
  });

  it('after the sweep: an accepted guest invited again with a new end signs in at once', async () => {
    const end = inDays(5);
    const { userId } = await guestWithEnd('eli', end, true);
    justAfter(end);
    await sweep();
    expect([(await signIn('eli')).landed.status]).toEqual([403]);

    await world.invite('eli@partner.example', { inviteRedirectUrl: myApps(), accessExpirationDateTime: inDays(30), sendAgain: true, sendInvitationMessage: false });
    const { auth, landed } = await signIn('eli');
    expect((await finish(auth, landed)).sub).toBe(userId);
  });

  it('does not switch back on an account an administrator switched off: the end is new, the guest still refused', async () => {
    const end = inDays(5);
    const { userId } = await guestWithEnd('fox', end, true);
    expect((await graph('PATCH', `/users/${userId}`, { accountEnabled: false }, 'writer-app')).status).toBe(204);
    justAfter(end);
    await sweep(); // finds nothing to disable

    await world.invite('fox@partner.example', { inviteRedirectUrl: myApps(), accessExpirationDateTime: inDays(30), sendAgain: true, sendInvitationMessage: false });
    expect((await db()('users').where({ id: userId }).first()).account_enabled).toBeFalsy();
    const { landed } = await signIn('fox');
    expect([landed.status, errorCodeOf(landed.body)]).toEqual([403, 'accountDisabled']);
  });
});
