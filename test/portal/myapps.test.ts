import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, appToken } from '../support/api-client.js';
import { Browser, errorCodeOf, headingOf } from '../support/browserless.js';
import { APP_URL, startGuestWorld, type GuestWorld } from '../support/guest-world.js';
import { PARTNER_USERS } from '../support/partner-idp.js';
import { DEMO_SECRET } from '../support/start-foyer.js';
import { appTiles, memberOnMyApps, partnerUser, PASSWORD, redeemedGuest, redeemLink, submitForm } from './portal-helpers.js';

let world: GuestWorld;
let admin: string;
const issuer = () => world.foyer.issuer;
const app = (id: string, port: number, extra: Record<string, unknown> = {}) => ({
  id,
  displayName: id.toUpperCase(),
  clientSecret: DEMO_SECRET,
  redirectUris: [`http://127.0.0.1:${port}/callback`],
  launchUrl: `http://127.0.0.1:${port}/`,
  firstParty: true,
  ...extra,
});

beforeAll(async () => {
  world = await startGuestWorld((config) => {
    const apps = config.apps as Record<string, unknown>[];
    apps.push(
      app('crm', 9997, { assignmentRequired: true, description: 'Customer records', logoUrl: 'https://cdn.contoso.example/crm.png' }),
      app('hr-app', 9996, { assignmentRequired: true }),
      { id: 'admin-app', displayName: 'Admin', clientSecret: DEMO_SECRET, grantTypes: ['client_credentials'], permissions: ['User.ReadWrite.All', 'Group.ReadWrite.All'] },
    );
  }, { users: { ...PARTNER_USERS, leaver: partnerUser('carol.leaver'), dora: partnerUser('dora') } });
  admin = await appToken(issuer(), 'admin-app');
});
afterAll(() => world?.stop());

describe('My Apps', () => {
  it('signs a guest in through Foyer and shows exactly their apps: open to all, and assigned through a group', async () => {
    const { browser, userId } = await redeemedGuest(world, 'alice@partner.example', 'alice');
    const group = await api(issuer(), admin, 'POST', '/groups', { displayName: 'CRM users' });
    await api(issuer(), admin, 'POST', `/groups/${group.body.id}/members/$ref`, { '@odata.id': `${issuer()}/v1.0/directoryObjects/${userId}` });
    await api(issuer(), admin, 'POST', `/groups/${group.body.id}/appRoleAssignments`, { principalId: group.body.id, resourceId: 'crm' });

    const page = await browser.navigate(`${issuer()}/myapps`);
    expect([page.status, headingOf(page.body)]).toEqual([200, 'My Apps']);
    expect(appTiles(page.body)).toEqual(['web-app', 'crm']);
    expect(page.body).toContain(`href="${APP_URL}"`);
    expect(page.body).toContain('href="http://127.0.0.1:9997/"');
    expect(page.body).toContain('src="https://cdn.contoso.example/crm.png"');
    expect(page.body).toContain('Customer records');
    expect(page.body).toContain('a guest of Contoso Test');
    expect(page.body).not.toContain('Admin console');
    expect(page.headers.get('cache-control')).toBe('no-store');

    // A direct assignment adds hr; a launch-less or client-credentials app never shows.
    await api(issuer(), admin, 'POST', `/users/${userId}/appRoleAssignments`, { principalId: userId, resourceId: 'hr-app' });
    expect(appTiles((await browser.navigate(`${issuer()}/myapps`)).body)).toEqual(['web-app', 'crm', 'hr-app']);
  });

  it('shows a member only the apps open to all', async () => {
    await world.foyer.createMember('mo@contoso.example', PASSWORD);
    const { page } = await memberOnMyApps(world.foyer, 'mo@contoso.example');
    expect(appTiles(page.body)).toEqual(['web-app']);
  });

  it('shows the profile: name, email, host organisation, how the guest signs in', async () => {
    const { browser } = await redeemedGuest(world, 'bob@partner.example', 'bob');
    const page = await browser.navigate(`${issuer()}/myapps/account`);
    expect(headingOf(page.body)).toBe('Account and security');
    const profile = /<dl id="profile">([\s\S]*?)<\/dl>/.exec(page.body)![1]!.replace(/\s+/g, ' ');
    expect(profile).toContain('<dd>bob</dd>');
    expect(profile).toContain('<dd>bob@partner.example</dd>');
    expect(profile).toContain('Guest of Contoso Test');
    expect(profile).toContain('<dd>Partner Org</dd>');
    expect(page.body).toContain('href="/myapps/leave"');
  });

  it('sends a browser without a session to sign in, and back to the page it asked for', async () => {
    await world.foyer.createMember('deep@contoso.example', PASSWORD);
    const { page } = await memberOnMyApps(world.foyer, 'deep@contoso.example', '/myapps/account');
    expect(headingOf(page.body)).toBe('Account and security');
    expect(page.url).toBe(`${issuer()}/myapps/account`);
    expect(page.body).not.toContain('href="/myapps/leave"');
  });

  it('refuses a form post without a session (401) or without the CSRF token (403)', async () => {
    const anonymous = new Browser();
    await anonymous.navigate(`${issuer()}/myapps`);
    const csrf = anonymous.cookiesFor(`${issuer()}/myapps`)['foyer.csrf']!;
    const noSession = await anonymous.request(`${issuer()}/myapps/leave`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `_csrf=${csrf}` });
    expect([noSession.status, errorCodeOf(await noSession.text())]).toEqual([401, 'signInRequired']);
    const { browser } = await memberOnMyApps(world.foyer, 'mo@contoso.example');
    const noToken = await browser.request(`${issuer()}/myapps/leave`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '_csrf=forged' });
    expect(noToken.status).toBe(403);
    expect(errorCodeOf(await noToken.text())).toBe('csrfTokenInvalid');
  });
});

describe('leaving the organisation', () => {
  it('disables the guest, ends every session, is audited, and the guest cannot sign in again', async () => {
    const { browser, userId } = await redeemedGuest(world, 'carol.leaver@partner.example', 'leaver');
    const confirm = await browser.navigate(`${issuer()}/myapps/leave`);
    expect(headingOf(confirm.body)).toBe('Leave Contoso Test?');
    const sessionsBefore = await world.foyer.foyer.db('oidc_payloads').where({ model: 'Session' }).andWhere('payload', 'like', `%${userId}%`);
    expect(sessionsBefore.length).toBeGreaterThan(0);

    const left = await submitForm(browser, confirm, '/myapps/leave');
    expect([left.status, headingOf(left.body)]).toEqual([200, 'You have left Contoso Test']);
    expect((await world.foyer.foyer.db('users').where({ id: userId }).first()).account_enabled).toBeFalsy();
    expect(await world.foyer.foyer.db('oidc_payloads').whereIn('model', ['Session', 'Grant']).andWhere('payload', 'like', `%${userId}%`)).toEqual([]);
    expect(await world.foyer.foyer.db('audit_log').where({ activity: 'Leave organization', actor_id: userId, target_id: userId })).toHaveLength(1);

    // My Apps now starts a fresh sign-in, and the guest's address is refused.
    const again = await browser.navigate(`${issuer()}/myapps`);
    expect(headingOf(again.body)).toBe('Sign in');
    const refused = await browser.submit(again, { email: 'carol.leaver@partner.example' });
    expect([refused.status, errorCodeOf(refused.body)]).toEqual([403, 'accountDisabled']);
  }, 60_000);

  it('is not offered to members: the leave page answers 400', async () => {
    const { browser } = await memberOnMyApps(world.foyer, 'mo@contoso.example');
    const page = await browser.navigate(`${issuer()}/myapps/leave`);
    expect([page.status, errorCodeOf(page.body)]).toEqual([400, 'notAGuest']);
  });
});

describe('an invitation into a group lands on My Apps', () => {
  it('accepts inviteRedirectUrl = <issuer>/myapps and lands there after redemption', async () => {
    const token = await appToken(issuer(), 'portal-app');
    const res = await api(issuer(), token, 'POST', '/invitations', { invitedUserEmailAddress: 'dora@partner.example', inviteRedirectUrl: `${issuer()}/myapps`, invitedUserDisplayName: 'Dora' });
    expect(res.status).toBe(201);
    const browser = new Browser();
    const landed = await redeemLink(world, browser, String(res.body.inviteRedeemUrl), 'dora', 'http://never.example/');
    expect([landed.status, headingOf(landed.body), landed.url]).toEqual([200, 'My Apps', `${issuer()}/myapps`]);
    // Only the exact My Apps URL counts, not any page of Foyer's origin.
    const other = await api(issuer(), token, 'POST', '/invitations', { invitedUserEmailAddress: 'x@partner.example', inviteRedirectUrl: `${issuer()}/session/end` });
    expect(other.status).toBe(400);
  }, 60_000);
});
