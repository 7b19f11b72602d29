/**
 * Access that ends, with a controllable clock and mails over the test world's real SMTP server:
 * the sponsor and the guest are told before the end, the end removes the assignment (refused at the
 * next sign-in and refresh) or disables the guest, and the sponsor's extend link works once, for
 * them only, and never after the end.
 */
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS, manualClock } from '../../src/lib/clock.js';
import { memberOnMyApps, redeemLink, submitForm } from '../portal/portal-helpers.js';
import { api, appToken } from '../support/api-client.js';
import { Browser, errorCodeOf, headingOf } from '../support/browserless.js';
import { finishAuthorization, startAuthorization, WEB_APP, webAppClient } from '../support/oidc-client.js';
import { PARTNER_USERS } from '../support/partner-idp.js';
import { daemonApp, partnerUser, startWorld, type World } from '../support/world.js';

const clock = manualClock(new Date());
let world: World;
let admin: string;
const issuer = () => world.foyer.issuer;
const db = () => world.foyer.foyer.db;
/** The sweeps run every 15 minutes (lifecycle.jobIntervalMinutes): the next run is a quarter of an hour on. */
const runDue = () => {
  clock.advance(15 * 60_000);
  return world.foyer.foyer.jobs.runDue();
};
const myApps = () => `${issuer()}/myapps`;
const inDays = (n: number) => new Date(clock.now().getTime() + n * DAY_MS).toISOString();

beforeAll(async () => {
  world = await startWorld({
    oidc: [{ users: { ...PARTNER_USERS, cem: partnerUser('cem') } }],
    portal: true,
    smtp: true,
    clock,
    members: ['sponsor@contoso.example', 'intruder@contoso.example'],
    apps: [daemonApp('admin-app', ['User.ReadWrite.All', 'User.Invite.All'])],
    customize: (config) => {
      Object.assign((config.apps as Record<string, unknown>[])[0]!, { assignmentRequired: true });
    },
  });
  admin = await appToken(issuer(), 'admin-app');
});
afterAll(() => world?.stop());

/** A guest invited with the sponsor, redeemed, signed in to My Apps in their own browser. */
async function guest(login: string, extra: Record<string, unknown> = {}) {
  const invited = await world.invite(`${login}@partner.example`, { inviteRedirectUrl: myApps(), invitedUserSponsors: [{ id: world.members['sponsor@contoso.example'] }], ...extra });
  const browser = new Browser();
  const landed = await redeemLink(world, browser, invited.redeemUrl, login, 'http://never.example/');
  expect([landed.url, headingOf(landed.body)]).toEqual([myApps(), 'My Apps']);
  return { userId: invited.userId, browser };
}

/** The web app's sign-in in the guest's browser (single sign-on): its tokens, or the page it stopped on. */
async function webAppSignIn(browser: Browser) {
  const config = await webAppClient(issuer());
  const pending = await startAuthorization(config);
  const page = await browser.navigate(pending.url.href, { stopAt: [WEB_APP.redirectUri] });
  return { config, page, tokens: page.stoppedAt ? await finishAuthorization(config, page.stoppedAt, pending) : undefined };
}

const extendLinkIn = (text: string) => /(http:\/\/[^\s"]+\/myapps\/extend\?t=[A-Za-z0-9_-]{43})/.exec(text.replace(/=\r?\n/g, '').replace(/=3D/g, '='))![1]!;

async function assign(userId: string, days: number): Promise<string> {
  const res = await api(issuer(), admin, 'POST', `/users/${userId}/appRoleAssignments`, { principalId: userId, resourceId: 'web-app', expirationDateTime: inDays(days) });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  expect(res.body.expirationDateTime).toBe(inDays(days));
  return String(res.body.id);
}

describe('an assignment that expires', () => {
  it('tells the sponsor and the guest before the end, then is removed: the guest is refused at the next sign-in and refresh, audited', async () => {
    const { userId, browser } = await guest('alice');
    const assignmentId = await assign(userId, 30);
    const { config, tokens } = await webAppSignIn(browser);
    expect(tokens?.refresh_token).toBeTruthy();

    expect((await runDue())['lifecycle: expiry']).toBe('ran');
    expect(world.smtp.messages.filter((m) => m.to.includes('sponsor@contoso.example'))).toEqual([]);

    clock.advance(17 * DAY_MS); // 13 days left: inside the 14-day notice window
    expect((await runDue())['lifecycle: expiry']).toBe('ran');
    const toSponsor = await world.smtp.waitForMessage('sponsor@contoso.example');
    expect(toSponsor.subject).toContain("access to Web App ends on");
    expect(extendLinkIn(toSponsor.text)).toContain(`${issuer()}/myapps/extend?t=`);
    const toGuest = await world.smtp.waitForMessage('alice@partner.example');
    expect(toGuest.subject).toContain('Your access to Web App at Contoso Test ends on');
    expect(toGuest.text).toContain('sponsor@contoso.example');
    // Told once: the next run sends nothing more.
    await runDue();
    expect(world.smtp.messages.filter((m) => m.to.includes('sponsor@contoso.example'))).toHaveLength(1);
    const refreshed = await client.refreshTokenGrant(config, tokens!.refresh_token!);

    clock.advance(14 * DAY_MS);
    await runDue();
    expect(await db()('app_assignments').where({ id: assignmentId })).toEqual([]);
    expect(await db()('audit_log').where({ activity: 'Remove app role assignment from user', target_id: userId, actor_type: 'system' }).pluck('details')).toEqual([expect.stringContaining('"reason":"expired"')]);
    await expect(client.refreshTokenGrant(config, refreshed.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    const again = await webAppSignIn(browser);
    expect([again.page.status, errorCodeOf(again.page.body)]).toEqual([403, 'notAssignedToApp']);
  });

  it('refuses an end in the past or not a date, and writes nothing', async () => {
    const user = await world.foyer.foyer.users.create({ mail: 'past@partner.example', userType: 'Guest', externalUserState: 'Accepted' });
    for (const expirationDateTime of ['2001-01-01T00:00:00Z', 'next tuesday']) {
      const res = await api(issuer(), admin, 'POST', `/users/${user.id}/appRoleAssignments`, { principalId: user.id, resourceId: 'web-app', expirationDateTime });
      expect(res.status).toBe(400);
    }
    expect(await db()('app_assignments').where({ principal_id: user.id })).toEqual([]);
  });
});

describe("the sponsor's extend link", () => {
  let link: string;
  let assignmentId: string;
  let end: string;
  const endNow = async () => (await db()('app_assignments').where({ id: assignmentId }).first()).expires_at as string;

  beforeAll(async () => {
    const { userId } = await guest('bob');
    assignmentId = await assign(userId, 10);
    end = inDays(10);
    await runDue();
    link = extendLinkIn((await world.smtp.waitForMessage('sponsor@contoso.example')).text);
  });

  it('a forged link, or the link in someone else’s session, does nothing', async () => {
    const forged = `/myapps/extend?t=${'A'.repeat(43)}`;
    const sponsor = await memberOnMyApps(world.foyer, 'sponsor@contoso.example', forged);
    expect([sponsor.page.status, errorCodeOf(sponsor.page.body)]).toEqual([404, 'extensionLinkInvalid']);

    const path = link.slice(issuer().length);
    const intruder = await memberOnMyApps(world.foyer, 'intruder@contoso.example', path);
    expect([intruder.page.status, errorCodeOf(intruder.page.body)]).toEqual([403, 'notTheSponsor']);
    const csrf = intruder.browser.cookiesFor(issuer())['foyer.csrf']!;
    const post = await intruder.browser.request(`${issuer()}/myapps/extend`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `_csrf=${csrf}&t=${new URL(link).searchParams.get('t')}` });
    expect([post.status, errorCodeOf(await post.text())]).toEqual([403, 'notTheSponsor']);
    expect(await endNow()).toBe(end);
  });

  it('opening it only shows what would change; the POST without the CSRF token is refused; the confirmed POST extends once', async () => {
    const { browser, page } = await memberOnMyApps(world.foyer, 'sponsor@contoso.example', link.slice(issuer().length));
    expect([page.status, headingOf(page.body)]).toEqual([200, 'Extend access?']);
    expect(await endNow()).toBe(end);

    const token = new URL(link).searchParams.get('t')!;
    const noCsrf = await browser.request(`${issuer()}/myapps/extend`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `t=${token}` });
    expect([noCsrf.status, errorCodeOf(await noCsrf.text())]).toEqual([403, 'csrfTokenInvalid']);
    expect(await endNow()).toBe(end);

    const done = await submitForm(browser, page, '/myapps/extend');
    expect(headingOf(done.body)).toBe('Access extended');
    const extended = new Date(Date.parse(end) + 90 * DAY_MS).toISOString();
    expect(await endNow()).toBe(extended);
    expect(await db()('audit_log').where({ activity: 'Extend app role assignment', actor_id: world.members['sponsor@contoso.example'] })).toHaveLength(1);

    const twice = await submitForm(browser, page, '/myapps/extend');
    expect([twice.status, errorCodeOf(twice.body)]).toEqual([410, 'extensionLinkUsed']);
    expect(await endNow()).toBe(extended);
    expect(await db()('audit_log').where({ activity: 'Extend app role assignment' })).toHaveLength(1);
  });
});

describe("a guest's access that ends (set at invitation)", () => {
  it('disables the guest and ends their sessions at the end; the extend link is dead after it', async () => {
    const { userId, browser } = await guest('cem', { accessExpirationDateTime: inDays(5) });
    expect((await db()('users').where({ id: userId }).first()).access_expires_at).toBe(inDays(5));
    await runDue();
    const link = extendLinkIn((await world.smtp.waitForMessage('sponsor@contoso.example')).text);
    expect((await world.smtp.waitForMessage('cem@partner.example')).subject).toContain('Your access to every app of Contoso Test');

    clock.advance(6 * DAY_MS);
    await runDue();
    const user = await world.foyer.foyer.users.findById(userId);
    expect(user?.accountEnabled).toBe(false);
    expect(await db()('audit_log').where({ activity: 'Disable account', target_id: userId, actor_type: 'system' }).pluck('details')).toEqual([expect.stringContaining('accessExpired')]);
    expect(await db()('audit_log').where({ activity: 'Revoke sign-in sessions', target_id: userId, result: 'success' })).toHaveLength(1);
    // The guest's own My Apps session is over.
    const page = await browser.navigate(myApps(), { stopAt: [`${issuer()}/auth`] });
    expect(page.stoppedAt ?? page.url).toContain('/auth');

    const sponsor = await memberOnMyApps(world.foyer, 'sponsor@contoso.example', link.slice(issuer().length));
    expect([sponsor.page.status, errorCodeOf(sponsor.page.body)]).toEqual([410, 'extensionLinkExpired']);
    expect((await world.foyer.foyer.users.findById(userId))?.accountEnabled).toBe(false);
  });
});
