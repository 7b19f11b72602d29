/**
 * The sweeps end access through the directory's services, as an administrator does: a guest
 * disabled by the expiry sweep, by the inactivity sweep or by an access review's decision, and one
 * deleted for inactivity, has every session ended and refresh token revoked, once, and the apps
 * with a back-channel logout URI are owed a logout token whose reason says what happened
 * (`disabled`, `deleted`), not a bare `sessionsRevoked`.
 */
import * as client from 'openid-client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DAY_MS, manualClock } from '../../src/lib/clock.js';
import { redeemLink } from '../portal/portal-helpers.js';
import { Browser, headingOf } from '../support/browserless.js';
import { startLogoutReceiver, type LogoutReceiver } from '../support/logout-receiver.js';
import { finishAuthorization, startAuthorization, WEB_APP, webAppClient } from '../support/oidc-client.js';
import { PARTNER_USERS } from '../support/partner-idp.js';
import { partnerUser, startWorld, type World } from '../support/world.js';

const clock = manualClock(new Date());
let world: World;
let receiver: LogoutReceiver;
const issuer = () => world.foyer.issuer;
const db = () => world.foyer.foyer.db;
const runDue = (ms = 15 * 60_000) => {
  clock.advance(ms);
  return world.foyer.foyer.jobs.runDue();
};
const guests: Record<string, { userId: string; config: client.Configuration; refreshToken: string }> = {};

beforeAll(async () => {
  receiver = await startLogoutReceiver();
  world = await startWorld({
    oidc: [{ users: { ...PARTNER_USERS, eve: partnerUser('eve'), ida: partnerUser('ida'), ola: partnerUser('ola'), rex: partnerUser('rex') } }],
    portal: true,
    clock,
    customize: (config) => {
      Object.assign((config.apps as Record<string, unknown>[])[0]!, { backchannelLogoutUri: receiver.url });
      config.lifecycle = { inactiveGuests: { disableAfterDays: 90, deleteAfterDays: 180, notifyDaysBefore: 7 } };
      config.accessReviews = [{ id: 'all-guests', displayName: 'All guests', scope: 'allGuests', reviewers: [{ users: ['nobody@contoso.example'] }], recurrence: { every: '365d' }, durationInDays: 7, defaultDecision: 'remove' }];
    },
  });
  // eve's access ends in two days; ida and ola have not signed in for 100 and 200 days; rex is only reviewed.
  for (const [login, extra] of [['eve', { accessExpirationDateTime: new Date(clock.now().getTime() + 2 * DAY_MS).toISOString() }], ['ida', {}], ['ola', {}], ['rex', {}]] as const) {
    const myApps = `${issuer()}/myapps`;
    const invited = await world.invite(`${login}@partner.example`, { inviteRedirectUrl: myApps, ...extra });
    const browser = new Browser();
    expect(headingOf((await redeemLink(world, browser, invited.redeemUrl, login, 'http://never.example/')).body)).toBe('My Apps');
    const config = await webAppClient(issuer());
    const pending = await startAuthorization(config);
    const page = await browser.navigate(pending.url.href, { stopAt: [WEB_APP.redirectUri] });
    const tokens = await finishAuthorization(config, page.stoppedAt!, pending);
    guests[login] = { userId: invited.userId, config, refreshToken: tokens.refresh_token! };
  }
  for (const [login, days] of [['ida', 100], ['ola', 200]] as const) {
    await db()('users').where({ id: guests[login]!.userId }).update({ last_sign_in_at: new Date(clock.now().getTime() - days * DAY_MS).toISOString() });
  }
}, 120_000);
afterAll(async () => {
  await world?.stop();
  await receiver?.close();
});

/** What the apps were told about this guest (one row per app session), and what the audit says. */
async function endedFor(login: string) {
  const userId = guests[login]!.userId;
  return {
    logoutReasons: await db()('logout_deliveries').where({ account_id: userId }).pluck('reason'),
    revocations: (await db()('audit_log').where({ activity: 'Revoke sign-in sessions', target_id: userId, result: 'success' }).pluck('details')).map((d: string) => JSON.parse(d).sessions as number),
  };
}

async function refreshRefused(login: string) {
  const g = guests[login]!;
  await expect(client.refreshTokenGrant(g.config, g.refreshToken)).rejects.toMatchObject({ error: 'invalid_grant' });
}

it('inactivity: the guest disabled and the guest deleted have their sessions ended, with reasons disabled and deleted', async () => {
  await runDue();
  expect((await world.foyer.foyer.users.findById(guests.ida!.userId))?.accountEnabled).toBe(false);
  expect(await world.foyer.foyer.users.findById(guests.ola!.userId)).toBeUndefined();
  expect(await endedFor('ida')).toEqual({ logoutReasons: ['disabled'], revocations: [1] });
  expect(await endedFor('ola')).toEqual({ logoutReasons: ['deleted'], revocations: [1] });
  await refreshRefused('ida');
  await refreshRefused('ola');
  // The others are untouched so far.
  for (const login of ['eve', 'rex']) expect(await endedFor(login)).toEqual({ logoutReasons: [], revocations: [] });
});

it('expiry: the guest whose access ended is disabled through the same path, reason disabled', async () => {
  await runDue(2 * DAY_MS);
  expect((await world.foyer.foyer.users.findById(guests.eve!.userId))?.accountEnabled).toBe(false);
  expect(await endedFor('eve')).toEqual({ logoutReasons: ['disabled'], revocations: [1] });
  expect(await db()('audit_log').where({ activity: 'Disable account', target_id: guests.eve!.userId }).pluck('details')).toEqual([expect.stringContaining('"reason":"accessExpired"')]);
  await refreshRefused('eve');
});

it('access review: the default (remove) disables the unanswered guest, reason disabled; a guest already disabled is not disabled or signed out again', async () => {
  await runDue(7 * DAY_MS);
  expect((await world.foyer.foyer.users.findById(guests.rex!.userId))?.accountEnabled).toBe(false);
  expect(await endedFor('rex')).toEqual({ logoutReasons: ['disabled'], revocations: [1] });
  await refreshRefused('rex');
  // eve was in the review too (enabled when it started) and was disabled by the expiry meanwhile.
  expect(await db()('audit_log').where({ activity: 'Disable account', target_id: guests.eve!.userId })).toHaveLength(1);
  expect(await endedFor('eve')).toEqual({ logoutReasons: ['disabled'], revocations: [1] });
  expect(await db()('access_review_decisions').whereNull('applied_at')).toEqual([]);
});
