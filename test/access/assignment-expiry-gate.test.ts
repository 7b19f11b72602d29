/**
 * The assignment gate reads the same injected clock as the expiry sweep: once the controllable
 * clock passes an assignment's end, the guest is refused at the next sign-in and at the next
 * refresh, before any sweep has removed the row (the sweep is not run here at all). On the
 * system clock the assignment would still be weeks from its end.
 */
import * as client from 'openid-client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DAY_MS, manualClock } from '../../src/lib/clock.js';
import { redeemLink } from '../portal/portal-helpers.js';
import { api, appToken } from '../support/api-client.js';
import { Browser, errorCodeOf, headingOf } from '../support/browserless.js';
import { finishAuthorization, startAuthorization, WEB_APP, webAppClient } from '../support/oidc-client.js';
import { PARTNER_USERS } from '../support/partner-idp.js';
import { daemonApp, startWorld, type World } from '../support/world.js';

// A month ahead of the real time: an end "in 10 days" here is still weeks ahead on the system clock.
const clock = manualClock(new Date(Date.now() + 30 * DAY_MS));
let world: World;
const issuer = () => world.foyer.issuer;

beforeAll(async () => {
  world = await startWorld({
    oidc: [{ users: PARTNER_USERS }],
    portal: true,
    clock,
    apps: [daemonApp('admin-app', ['User.ReadWrite.All', 'User.Invite.All'])],
    customize: (config) => {
      Object.assign((config.apps as Record<string, unknown>[])[0]!, { assignmentRequired: true });
    },
  });
});
afterAll(() => world?.stop());

async function webAppSignIn(browser: Browser) {
  const config = await webAppClient(issuer());
  const pending = await startAuthorization(config);
  const page = await browser.navigate(pending.url.href, { stopAt: [WEB_APP.redirectUri] });
  return { config, page, tokens: page.stoppedAt ? await finishAuthorization(config, page.stoppedAt, pending) : undefined };
}

it('an assignment past its end on the injected clock is refused at sign-in and refresh, with no sweep run', async () => {
  const myApps = `${issuer()}/myapps`;
  const invited = await world.invite('alice@partner.example', { inviteRedirectUrl: myApps });
  const browser = new Browser();
  const landed = await redeemLink(world, browser, invited.redeemUrl, 'alice', 'http://never.example/');
  expect(headingOf(landed.body)).toBe('My Apps');

  const admin = await appToken(issuer(), 'admin-app');
  const endsAt = new Date(clock.now().getTime() + 10 * DAY_MS).toISOString();
  const assigned = await api(issuer(), admin, 'POST', `/users/${invited.userId}/appRoleAssignments`, { principalId: invited.userId, resourceId: 'web-app', expirationDateTime: endsAt });
  expect(assigned.status, JSON.stringify(assigned.body)).toBe(201);

  const { config, tokens } = await webAppSignIn(browser);
  expect(tokens?.refresh_token).toBeTruthy();
  clock.advance(9 * DAY_MS);
  const refreshed = await client.refreshTokenGrant(config, tokens!.refresh_token!);
  expect(refreshed.access_token).toBeTruthy();

  clock.advance(DAY_MS); // exactly the end: no longer in force
  const rows = await world.foyer.foyer.db('app_assignments').where({ principal_id: invited.userId });
  expect(rows).toHaveLength(1); // no sweep ran: the row is still there, the gate alone refuses
  await expect(client.refreshTokenGrant(config, refreshed.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  const again = await webAppSignIn(browser);
  expect([again.page.status, errorCodeOf(again.page.body)]).toEqual([403, 'notAssignedToApp']);
  expect(await world.foyer.foyer.db('app_assignments').where({ principal_id: invited.userId })).toEqual(rows);
});
