/**
 * Getting around a partner's settings, as a guest of a blocked or limited partner would try it:
 * another IdP (the emailed code, another partner's IdP, an id typed into the form), another
 * address, a group the partner's IdP no longer asserts, and every inviter (API, CLI, My Apps
 * owners' page, the admin page). Each attempt is refused with a stable code, and nothing is
 * written: no user, no identity, no redemption, no mail.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../support/api-client.js';
import { Browser, errorCodeOf, headingOf, parseForms } from '../support/browserless.js';
import { hashPassword } from '../../src/directory/password-hash.js';
import { DEMO_SECRET } from '../support/start-foyer.js';
import { start } from '../e2e-access/access-support.js';
import { PASSWORD, memberOnMyApps, submitForm } from '../portal/portal-helpers.js';
import { ensureBuilt, runCli } from '../cli/cli-harness.js';
import { APP_A, APP_B, invite, redeem, startPartnerWorld, type PartnerWorld } from '../partners/partner-world.js';

let world: PartnerWorld;

const mails = () => {
  try {
    return readdirSync(join(world.foyer.dir, 'outbox')).length;
  } catch {
    return 0; // no mail sent yet: the folder is made with the first one
  }
};
const count = async (table: string, where: Record<string, unknown> = {}) => Number((await world.foyer.foyer.db(table).where(where).count({ n: '*' }).first())?.n);

beforeAll(async () => {
  world = await startPartnerWorld((config) => {
    config.delegatedManagement = { appOwnersCanInvite: true };
    const apps = config.apps as Record<string, unknown>[];
    for (const app of apps) if (app.id === APP_A.id || app.id === APP_B.id) app.owners = ['owner@contoso.example'];
    const partners = config.partners as Record<string, unknown>[];
    // Northwind admits only members of its "contoso-project" group, as its own IdP says.
    partners[1]!.b2bCollaborationInbound = {
      usersAndGroups: { accessType: 'allowed', targets: [{ target: 'contoso-project', targetType: 'group' }] },
      applications: { accessType: 'allowed', targets: ['app-a'] },
    };
    // A third organisation, blocked outright, with no IdP of its own: its people would use codes.
    partners.push({ id: 'tailspin', displayName: 'Tailspin', domains: ['tailspin.example'], b2bCollaborationInbound: { usersAndGroups: { accessType: 'blocked', targets: ['AllUsers'] } } });
  });
  await world.foyer.createMember('owner@contoso.example', PASSWORD);
  await world.foyer.foyer.users.create({ mail: 'admin@contoso.example', userType: 'Member', passwordHash: await hashPassword(PASSWORD), roles: ['admin'] });
});
afterAll(() => world?.stop());

describe('another IdP', () => {
  it('a Northwind address cannot ask for an emailed code instead of Northwind’s IdP: refused, no code mailed', async () => {
    const before = mails();
    const auth = await start(new Browser(), world.issuer, APP_A);
    const identify = auth.page;
    // The email page would send a Northwind address to Northwind; the attacker posts the code option instead.
    const uid = uidOf(parseForms(identify.body)[0]!.action);
    await auth.submit(identify, { email: 'noel@northwind.example' });
    const res = await chooseIdp(auth.browser, uid, 'email-otp');
    const body = await res.text();
    expect([res.status, errorCodeOf(body)]).toEqual([403, 'partnerIdentityProviderNotAllowed']);
    expect(body).toContain('People from Northwind sign in to Contoso Test with Northwind');
    expect(mails()).toBe(before);
  });

  it('nor another partner’s IdP: refused before the browser is sent there', async () => {
    const auth = await start(new Browser(), world.issuer, APP_A);
    const uid = uidOf(parseForms(auth.page.body)[0]!.action);
    await auth.submit(auth.page, { email: 'noel@northwind.example' });
    const res = await chooseIdp(auth.browser, uid, 'fabrikam');
    expect(res.status).toBe(403);
    expect(res.headers.get('location')).toBeNull();
    expect(errorCodeOf(await res.text())).toBe('partnerIdentityProviderNotAllowed');
  });

  it('a blocked organisation’s address gets no emailed code either', async () => {
    const before = mails();
    const auth = await start(new Browser(), world.issuer, APP_A);
    const refused = await auth.submit(auth.page, { email: 'tom@tailspin.example' });
    expect([refused.status, errorCodeOf(refused.body)]).toEqual([403, 'partnerBlocked']);
    expect(mails()).toBe(before);
  });
});

describe('another address', () => {
  it('a Fabrikam account claiming a Northwind address cannot redeem a Northwind invitation through Fabrikam', async () => {
    const { userId, redeemUrl } = await invite(world, 'mallory@northwind.example');
    const before = mails();
    const browser = new Browser();
    const review = await browser.navigate(redeemUrl);
    const northwindForm = await browser.submit(review, {}, { stopAt: [APP_A.launchUrl] });
    expect(northwindForm.url.startsWith(world.northwind.issuer)).toBe(true);
    // Back in Foyer's sign-in, choose Fabrikam's IdP by hand.
    const uid = uidOf(northwindForm.trail.find((u) => u.includes('/interaction/'))!);
    const res = await chooseIdp(browser, uid, 'fabrikam');
    expect([res.status, errorCodeOf(await res.text())]).toEqual([403, 'partnerIdentityProviderNotAllowed']);
    expect(await count('identities', { user_id: userId })).toBe(0);
    expect((await world.foyer.foyer.users.findById(userId))?.externalUserState).toBe('PendingAcceptance');
    expect(mails()).toBe(before);
  });
});

describe('a group the partner’s IdP asserts', () => {
  let owenBrowser: Browser;

  it('admits a member of the group; someone outside it cannot redeem, and nothing is written', async () => {
    const owen = await invite(world, 'owen@northwind.example');
    const redeemed = await redeem(world, owen.redeemUrl, 'northwind', 'owen');
    expect(redeemed.landed.stoppedAt).toBe(APP_A.launchUrl);
    owenBrowser = redeemed.browser;

    const pia = await invite(world, 'pia@northwind.example');
    const refused = await redeem(world, pia.redeemUrl, 'northwind', 'pia');
    expect([refused.landed.status, errorCodeOf(refused.landed.body)]).toEqual([403, 'partnerUserNotAllowed']);
    expect(await count('identities', { user_id: pia.userId })).toBe(0);
    expect(await count('invitations', { user_id: pia.userId, status: 'PendingAcceptance' })).toBe(1);
    expect((await world.foyer.foyer.users.findById(pia.userId))?.externalUserState).toBe('PendingAcceptance');
  });

  it('once the settings name another group, the guest’s refresh token ends at its next use', async () => {
    // owen signs in to app A and keeps a refresh token; the settings then name another group.
    const auth = await start(owenBrowser, world.issuer, APP_A);
    const tokens = await client.authorizationCodeGrant(auth.config, new URL(auth.page.stoppedAt!), { pkceCodeVerifier: auth.pending.codeVerifier, expectedState: auth.pending.state, expectedNonce: auth.pending.nonce });
    // While the group admits him, refreshing works: the group Northwind asserted at sign-in was kept.
    const rotated = await client.refreshTokenGrant(auth.config, tokens.refresh_token!);
    await world.restart((config) => {
      const partners = config.partners as { b2bCollaborationInbound: Record<string, unknown> }[];
      partners[1]!.b2bCollaborationInbound.usersAndGroups = { accessType: 'allowed', targets: [{ target: 'other-project', targetType: 'group' }] };
    });
    const config = await client.discovery(new URL(world.issuer), APP_A.id, DEMO_SECRET, undefined, { execute: [client.allowInsecureRequests] });
    await expect(client.refreshTokenGrant(config, rotated.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    await world.restart((config) => {
      const partners = config.partners as { b2bCollaborationInbound: Record<string, unknown> }[];
      partners[1]!.b2bCollaborationInbound.usersAndGroups = { accessType: 'allowed', targets: [{ target: 'contoso-project', targetType: 'group' }] };
    });
  });
});

describe('every inviter', () => {
  it('the API: a blocked organisation’s address, and a limited partner to another app', async () => {
    const token = await world.token();
    for (const [email, redirect, code] of [
      ['tom@tailspin.example', APP_A.launchUrl, 'partnerBlocked'],
      ['new@northwind.example', APP_B.launchUrl, 'partnerAppNotAllowed'],
    ] as const) {
      const res = await api(world.issuer, token, 'POST', '/invitations', { invitedUserEmailAddress: email, inviteRedirectUrl: redirect, sendInvitationMessage: true });
      expect([res.status, (res.body.error as { code: string }).code]).toEqual([403, code]);
      expect(await world.foyer.foyer.users.findByEmail(email)).toBeUndefined();
    }
  });

  it('an app owner on My Apps: the form says why, with the code, and nothing is written', async () => {
    const before = mails();
    const { browser, page } = await memberOnMyApps(world.foyer, 'owner@contoso.example', `/myapps/manage/app/${APP_B.id}`);
    expect(headingOf(page.body)).toContain('App B');
    const refused = await submitForm(browser, page, '/invite', { email: 'new@northwind.example' });
    expect(refused.status).toBe(403);
    expect(refused.body).toContain('does not let people from Northwind use App B');
    expect(refused.body).toContain('<code>partnerAppNotAllowed</code>');
    expect(await world.foyer.foyer.users.findByEmail('new@northwind.example')).toBeUndefined();
    expect(mails()).toBe(before);
  });

  it('an admin on the guests page: the same', async () => {
    const { browser, page } = await memberOnMyApps(world.foyer, 'admin@contoso.example', '/myapps/admin/guests');
    const refused = await submitForm(browser, page, '/guests/invite', { email: 'tom@tailspin.example', redirect: APP_A.launchUrl });
    expect(refused.status).toBe(403);
    expect(refused.body).toContain('<code>partnerBlocked</code>');
    expect(await world.foyer.foyer.users.findByEmail('tom@tailspin.example')).toBeUndefined();
  });

  it('the CLI: exit code 2, the code in the message, nothing written', async () => {
    await ensureBuilt();
    const file = join(world.foyer.dir, 'foyer.yaml');
    const res = await runCli(['invite', 'tom@tailspin.example', '--redirect', APP_A.launchUrl], { config: file });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/does not let people from Tailspin sign in at the moment.*\(partnerBlocked\)/);
    expect(await world.foyer.foyer.users.findByEmail('tom@tailspin.example')).toBeUndefined();
  }, 120_000);
});

function uidOf(url: string): string {
  return /\/interaction\/([^/?]+)/.exec(url)![1]!;
}

/** What the chooser's buttons post, with this browser's own CSRF token: an IdP picked by hand. */
function chooseIdp(browser: Browser, uid: string, idpId: string): Promise<Response> {
  const body = new URLSearchParams({ _csrf: browser.cookiesFor(world.issuer)['foyer.csrf'] ?? '' });
  return browser.request(`${world.issuer}/interaction/${uid}/idp/${idpId}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
}
