import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashTicket } from '../../src/invitations/redeem-ticket.js';
import { api, appToken } from '../support/api-client.js';
import { Browser, errorCodeOf, headingOf } from '../support/browserless.js';
import { APP_URL, latestOutboxMail, redeemUrlIn, startGuestWorld, type GuestWorld } from '../support/guest-world.js';
import { finishAuthorization, startAuthorization, WEB_APP, webAppClient } from '../support/oidc-client.js';
import { PARTNER_USERS } from '../support/partner-idp.js';
import { DEMO_SECRET, startFoyer } from '../support/start-foyer.js';
import { appTiles, guestRows, memberOnMyApps, partnerUser, PASSWORD, redeemLink, submitForm } from './portal-helpers.js';

let world: GuestWorld;
let groupId: string;
const issuer = () => world.foyer.issuer;
const db = () => world.foyer.foyer.db;
const manageWebApp = () => `${issuer()}/myapps/manage/app/web-app`;
const APPROVER = '6b1f2d4e-8c3a-4f5b-9d7e-1a2b3c4d5e6f';

beforeAll(async () => {
  world = await startGuestWorld(
    (config) => {
      const apps = config.apps as Record<string, unknown>[];
      Object.assign(apps[0]!, { owners: ['owner@contoso.example'], assignmentRequired: true, appRoles: [{ id: APPROVER, value: 'approver', displayName: 'Approver' }] });
      apps.push(
        { id: 'crm', displayName: 'CRM', clientSecret: DEMO_SECRET, redirectUris: ['http://127.0.0.1:9997/callback'], launchUrl: 'http://127.0.0.1:9997/', assignmentRequired: true },
        { id: 'admin-app', displayName: 'Admin', clientSecret: DEMO_SECRET, grantTypes: ['client_credentials'], permissions: ['User.ReadWrite.All', 'Group.ReadWrite.All'] },
      );
      config.delegatedManagement = { appOwnersCanInvite: true, groupOwnersCanInvite: true };
      config.invitations = { blockedDomains: ['blocked.example'] };
    },
    { users: { ...PARTNER_USERS, gina: partnerUser('gina'), hal: partnerUser('hal') } },
  );
  for (const who of ['owner', 'gowner', 'plain', 'colleague']) await world.foyer.createMember(`${who}@contoso.example`, PASSWORD);
  const admin = await appToken(issuer(), 'admin-app');
  groupId = String((await api(issuer(), admin, 'POST', '/groups', { displayName: 'Partners' })).body.id);
  const gowner = (await db()('users').where({ mail: 'gowner@contoso.example' }).first()).id;
  await api(issuer(), admin, 'POST', `/groups/${groupId}/owners/$ref`, { '@odata.id': `${issuer()}/v1.0/directoryObjects/${gowner}` });
  await api(issuer(), admin, 'POST', `/groups/${groupId}/appRoleAssignments`, { principalId: groupId, resourceId: 'crm' });
});
afterAll(() => world?.stop());

const userByMail = (mail: string) => db()('users').where({ mail_normalized: mail }).first();

describe('an app owner on My Apps', () => {
  it('sees Manage for their app, invites a guest into it; the guest redeems and may sign in to the app', async () => {
    const { browser, page } = await memberOnMyApps(world.foyer, 'owner@contoso.example');
    expect(page.body).toContain('href="/myapps/manage/app/web-app"');
    expect(page.body).not.toContain('/myapps/manage/app/crm');
    const manage = await browser.navigate(manageWebApp());
    expect([manage.status, headingOf(manage.body)]).toEqual([200, 'Guests of Web App']);
    expect(guestRows(manage.body)).toEqual([]);

    const after = await submitForm(browser, manage, '/invite', { email: 'gina@partner.example', displayName: 'Gina', message: 'Welcome to the web app' });
    expect(after.url).toBe(`${manageWebApp()}?notice=invited`);
    expect(after.body).toContain('Invitation sent.');
    const gina = await userByMail('gina@partner.example');
    expect(guestRows(after.body)).toEqual([expect.objectContaining({ id: gina.id, state: 'pending' })]);
    const invitation = await db()('invitations').where({ user_id: gina.id }).first();
    expect(invitation).toMatchObject({ invite_redirect_url: APP_URL, invited_by_type: 'user', status: 'PendingAcceptance', message_body: 'Welcome to the web app' });
    expect(await db()('app_assignments').where({ app_id: 'web-app', principal_id: gina.id })).toHaveLength(1);
    const owner = await userByMail('owner@contoso.example');
    expect(await db()('audit_log').where({ activity: 'Invite external user', actor_id: owner.id, target_id: gina.id })).toHaveLength(1);
    expect(await db()('audit_log').where({ activity: 'Add app role assignment to user', actor_id: owner.id, target_id: gina.id })).toHaveLength(1);

    const mail = latestOutboxMail(world.foyer);
    expect(mail).toContain('gina@partner.example');
    const guest = new Browser();
    const landed = await redeemLink(world, guest, redeemUrlIn(mail), 'gina', APP_URL);
    expect(landed.stoppedAt).toBe(APP_URL);
    const config = await webAppClient(issuer());
    const pending = await startAuthorization(config);
    const sso = await guest.navigate(pending.url.href, { stopAt: [WEB_APP.redirectUri] });
    const tokens = await finishAuthorization(config, sso.stoppedAt!, pending);
    expect(tokens.claims()!.sub).toBe(gina.id);

    const accepted = await browser.navigate(manageWebApp());
    expect(guestRows(accepted.body)).toEqual([expect.objectContaining({ id: gina.id, state: 'accepted' })]);
  }, 60_000);

  it('resends (old link dead), withdraws and removes; each only for guests of their app', async () => {
    const { browser } = await memberOnMyApps(world.foyer, 'owner@contoso.example');
    let page = await browser.navigate(manageWebApp());
    page = await submitForm(browser, page, '/invite', { email: 'ivy@partner.example' });
    const ivy = await userByMail('ivy@partner.example');
    const firstLink = redeemUrlIn(latestOutboxMail(world.foyer));

    page = await submitForm(browser, page, `/guests/${ivy.id}/resend`);
    expect(page.url).toBe(`${manageWebApp()}?notice=resend`);
    const secondLink = redeemUrlIn(latestOutboxMail(world.foyer));
    expect(secondLink).not.toBe(firstLink);
    expect(await db()('invitations').where({ ticket_hash: hashTicket(new URL(firstLink).searchParams.get('t')!) }).first()).toBeUndefined();

    page = await submitForm(browser, page, `/guests/${ivy.id}/revoke`);
    expect((await db()('invitations').where({ user_id: ivy.id }).first()).status).toBe('Revoked');
    expect(guestRows(page.body).find((g) => g.id === ivy.id)?.state).toBe('withdrawn');
    const dead = await new Browser().navigate(secondLink);
    expect([dead.status, errorCodeOf(dead.body)]).toEqual([410, 'invitationRevoked']);

    page = await submitForm(browser, page, `/guests/${ivy.id}/remove`);
    expect(page.url).toBe(`${manageWebApp()}?notice=remove`);
    expect(guestRows(page.body).map((g) => g.id)).not.toContain(ivy.id);
    expect(await db()('app_assignments').where({ principal_id: ivy.id })).toEqual([]);
    expect(await userByMail('ivy@partner.example')).toBeTruthy();
  }, 60_000);

  it('gives a guest of their app one of its roles and takes it away; not a role of another app', async () => {
    const { browser } = await memberOnMyApps(world.foyer, 'owner@contoso.example');
    let page = await submitForm(browser, await browser.navigate(manageWebApp()), '/invite', { email: 'jay@partner.example' });
    const jay = await userByMail('jay@partner.example');
    expect(guestRows(page.body).find((g) => g.id === jay.id)?.text).toContain('Roles: none');
    page = await submitForm(browser, page, `/guests/${jay.id}/role`, { appRoleId: APPROVER, op: 'give' });
    expect(page.url).toBe(`${manageWebApp()}?notice=give`);
    expect(guestRows(page.body).find((g) => g.id === jay.id)?.text).toContain('Roles: approver');
    expect((await db()('app_assignments').where({ principal_id: jay.id }).orderBy('app_role_id')).map((a: { app_role_id: string }) => a.app_role_id)).toEqual(['00000000-0000-0000-0000-000000000000', APPROVER]);
    // Listed once, whatever roles they hold.
    expect(guestRows(page.body).filter((g) => g.id === jay.id)).toHaveLength(1);
    const before = await db()('app_assignments').count({ n: '*' }).first();
    const csrf = browser.cookiesFor(issuer())['foyer.csrf']!;
    const bad = await browser.request(`${manageWebApp()}/guests/${jay.id}/role`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `_csrf=${csrf}&appRoleId=0c9d8e7f-6a5b-4c3d-8e1f-2a3b4c5d6e7f&op=give` });
    expect([bad.status, errorCodeOf(await bad.text())]).toEqual([400, 'invalidAppRoleId']);
    expect(await db()('app_assignments').count({ n: '*' }).first()).toEqual(before);
    page = await submitForm(browser, page, `/guests/${jay.id}/role`, { appRoleId: APPROVER, op: 'take' });
    expect(guestRows(page.body).find((g) => g.id === jay.id)?.text).toContain('Roles: none');
    // Remove access takes every assignment, roles included.
    await submitForm(browser, await submitForm(browser, page, `/guests/${jay.id}/role`, { appRoleId: APPROVER, op: 'give' }), `/guests/${jay.id}/remove`);
    expect(await db()('app_assignments').where({ principal_id: jay.id })).toEqual([]);
  }, 60_000);

  it('gives a member of the organisation access without an invitation', async () => {
    const { browser } = await memberOnMyApps(world.foyer, 'owner@contoso.example');
    const page = await submitForm(browser, await browser.navigate(manageWebApp()), '/invite', { email: 'colleague@contoso.example' });
    expect(page.url).toBe(`${manageWebApp()}?notice=added`);
    const colleague = await userByMail('colleague@contoso.example');
    expect(await db()('app_assignments').where({ app_id: 'web-app', principal_id: colleague.id })).toHaveLength(1);
    expect(await db()('invitations').where({ user_id: colleague.id })).toEqual([]);
  });

  it('refuses bad input on the same page, keeping what was typed, and writes nothing', async () => {
    const { browser } = await memberOnMyApps(world.foyer, 'owner@contoso.example');
    const manage = await browser.navigate(manageWebApp());
    const users = async () => Number((await db()('users').count({ n: '*' }).first())!.n);
    const before = await users();
    const bad = await submitForm(browser, manage, '/invite', { email: 'not an email', displayName: 'Kept name' });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatch(/role="alert"[^>]*>Enter the guest’s email address/);
    expect(bad.body).toContain('value="Kept name"');
    const blocked = await submitForm(browser, manage, '/invite', { email: 'eve@blocked.example' });
    expect(blocked.status).toBe(403);
    expect(blocked.body).toContain('Invitations to blocked.example are not allowed');
    const noCsrf = await browser.request(`${manageWebApp()}/invite`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'email=x%40partner.example' });
    expect(noCsrf.status).toBe(403);
    expect(await users()).toBe(before);
  });
});

describe('what owners cannot do', () => {
  it('a member who owns nothing gets 403 on an app’s page and on every action, and nothing changes', async () => {
    const { browser, page: home } = await memberOnMyApps(world.foyer, 'plain@contoso.example');
    expect(home.body).not.toContain('/myapps/manage/');
    const page = await browser.navigate(manageWebApp());
    expect([page.status, errorCodeOf(page.body)]).toEqual([403, 'notAnOwner']);
    const gina = await userByMail('gina@partner.example');
    const csrf = browser.cookiesFor(issuer())['foyer.csrf']!;
    const before = [await db()('invitations').count({ n: '*' }).first(), await db()('app_assignments').count({ n: '*' }).first()];
    for (const path of ['/invite', `/guests/${gina.id}/remove`, `/guests/${gina.id}/resend`, `/guests/${gina.id}/revoke`, `/guests/${gina.id}/role`]) {
      const res = await browser.request(`${manageWebApp()}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `_csrf=${csrf}&email=z%40partner.example&appRoleId=${APPROVER}&op=give` });
      expect([path, res.status, errorCodeOf(await res.text())]).toEqual([path, 403, 'notAnOwner']);
    }
    expect([await db()('invitations').count({ n: '*' }).first(), await db()('app_assignments').count({ n: '*' }).first()]).toEqual(before);
  });

  it('an owner cannot manage another app or group, a guest of another app, or something that does not exist', async () => {
    const { browser } = await memberOnMyApps(world.foyer, 'owner@contoso.example');
    expect(errorCodeOf((await browser.navigate(`${issuer()}/myapps/manage/app/crm`)).body)).toBe('notAnOwner');
    expect(errorCodeOf((await browser.navigate(`${issuer()}/myapps/manage/group/${groupId}`)).body)).toBe('notAnOwner');
    expect((await browser.navigate(`${issuer()}/myapps/manage/app/nope-app`)).status).toBe(404);
    expect((await browser.navigate(`${issuer()}/myapps/manage/thing/web-app`)).status).toBe(404);
    // A guest who has no access through web-app is not this owner's to remove.
    const stranger = await world.foyer.foyer.users.create({ mail: 'stranger@partner.example', userType: 'Guest', externalUserState: 'Accepted' });
    await browser.navigate(manageWebApp());
    const res = await browser.request(`${manageWebApp()}/guests/${stranger.id}/remove`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `_csrf=${browser.cookiesFor(issuer())['foyer.csrf']}` });
    expect([res.status, errorCodeOf(await res.text())]).toEqual([404, 'guestNotFound']);
  });
});

describe('a group owner', () => {
  it('invites a guest into the group, who lands on My Apps and sees the group’s app', async () => {
    const { browser, page: home } = await memberOnMyApps(world.foyer, 'gowner@contoso.example');
    const url = `/myapps/manage/group/${groupId}`;
    expect(home.body).toContain(`href="${url}"`);
    const manage = await browser.navigate(`${issuer()}${url}`);
    expect(headingOf(manage.body)).toBe('Guests of Partners');
    const after = await submitForm(browser, manage, '/invite', { email: 'hal@partner.example' });
    expect(after.body).toContain('Invitation sent.');
    const hal = await userByMail('hal@partner.example');
    expect(await db()('group_members').where({ group_id: groupId, user_id: hal.id })).toHaveLength(1);
    expect((await db()('invitations').where({ user_id: hal.id }).first()).invite_redirect_url).toBe(`${issuer()}/myapps`);

    const guest = new Browser();
    const landed = await redeemLink(world, guest, redeemUrlIn(latestOutboxMail(world.foyer)), 'hal', 'http://never.example/');
    expect([headingOf(landed.body), landed.url]).toEqual(['My Apps', `${issuer()}/myapps`]);
    expect(appTiles(landed.body)).toEqual(['crm']);

    const removed = await submitForm(browser, await browser.navigate(`${issuer()}${url}`), `/guests/${hal.id}/remove`);
    expect(guestRows(removed.body)).toEqual([]);
    expect(await db()('group_members').where({ group_id: groupId, user_id: hal.id })).toEqual([]);
    expect(appTiles((await guest.navigate(`${issuer()}/myapps`)).body)).toEqual([]);
  }, 60_000);
});

describe('with delegated management off', () => {
  it('owners named in config or in the directory get no powers', async () => {
    const foyer = await startFoyer((config) => {
      const apps = config.apps as Record<string, unknown>[];
      Object.assign(apps[0]!, { owners: ['owner@contoso.example'], launchUrl: APP_URL });
    });
    try {
      await foyer.createMember('owner@contoso.example', PASSWORD);
      const { browser, page } = await memberOnMyApps(foyer, 'owner@contoso.example');
      expect(page.body).not.toContain('/myapps/manage/');
      const manage = await browser.navigate(`${foyer.issuer}/myapps/manage/app/web-app`);
      expect([manage.status, errorCodeOf(manage.body)]).toEqual([403, 'notAnOwner']);
    } finally {
      await foyer.stop();
    }
  });
});
