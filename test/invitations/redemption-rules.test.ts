import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { userApiToken } from '../api/directory-world.js';
import { api, appToken } from '../support/api-client.js';
import { Browser, errorCodeOf, headingOf } from '../support/browserless.js';
import { APP_URL, latestOutboxMail, redeemUrlIn } from '../support/guest-world.js';
import { signInAtPartner } from '../support/partner-idp.js';
import { useWorld } from '../support/world.js';

const world = useWorld({ oidc: true, portal: true });
let token: string;
/** Resetting redemption is account recovery: an admin's token with User.ReadWrite.All (the sign-up portal may only invite). */
let adminToken: string;

beforeAll(async () => {
  token = await appToken(world.foyer.issuer, 'portal-app');
  await world.foyer.createMember('admin@contoso.example', 'correct horse battery staple', { admin: true });
  adminToken = (await userApiToken(world.foyer.issuer, 'admin@contoso.example', 'correct horse battery staple', ['User.Invite.All', 'User.ReadWrite.All'])).accessToken;
});

const callback = () => `${world.foyer.issuer}/federation/partner/callback`;

async function invite(body: Record<string, unknown>) {
  const res = await api(world.foyer.issuer, token, 'POST', '/invitations', { inviteRedirectUrl: APP_URL, sendInvitationMessage: true, ...body });
  expect(res.status).toBe(201);
  return { userId: (res.body.invitedUser as { id: string }).id, id: String(res.body.id), redeemUrl: redeemUrlIn(latestOutboxMail(world.foyer)) };
}

/** Accepts on the redemption page and returns the partner's answer, without delivering it yet. */
async function acceptAndSignInAtPartner(browser: Browser, redeemUrl: string, login: string) {
  const page = await browser.navigate(redeemUrl);
  expect(headingOf(page.body)).toBe('Review permissions');
  const partnerForm = await browser.submit(page, {}, { stopAt: [APP_URL] });
  return signInAtPartner(browser, partnerForm.url, login, callback());
}

const deliver = (browser: Browser, params: Record<string, string>) => browser.navigate(`${callback()}?${new URLSearchParams(params)}`, { stopAt: [APP_URL] });

describe('redemption rules', () => {
  it('refuses an expired link on its own page and records the failure', async () => {
    const { id, redeemUrl } = await invite({ invitedUserEmailAddress: 'late@partner.example' });
    await world.foyer.foyer.db('invitations').where({ id }).update({ expires_at: new Date(Date.now() - 1000).toISOString() });
    const page = await new Browser().navigate(redeemUrl);
    expect([page.status, errorCodeOf(page.body)]).toEqual([410, 'invitationExpired']);
  });

  it('redeems a ticket exactly once when two browsers race with it', async () => {
    const { userId, redeemUrl } = await invite({ invitedUserEmailAddress: 'alice@partner.example' });
    const [a, b] = [new Browser(), new Browser()];
    const [pa, pb] = [await acceptAndSignInAtPartner(a, redeemUrl, 'alice'), await acceptAndSignInAtPartner(b, redeemUrl, 'alice')];
    const results = await Promise.all([deliver(a, pa), deliver(b, pb)]);
    const landed = results.filter((r) => r.stoppedAt === APP_URL);
    const refused = results.filter((r) => !r.stoppedAt);
    expect(landed).toHaveLength(1);
    expect(refused.map((r) => [r.status, errorCodeOf(r.body)])).toEqual([[409, 'invitationAlreadyRedeemed']]);
    expect(await world.foyer.foyer.db('identities').where({ user_id: userId })).toHaveLength(1);
    expect(await world.foyer.foyer.db('audit_log').where({ activity: 'Redeem invitation', result: 'success', target_id: userId })).toHaveLength(1);
  });

  it('resetRedemption keeps the user id, groups and assignments, removes identities, and issues a new ticket', async () => {
    // Carl redeemed long ago with an IdP his company has since left; he is in a group and assigned an app.
    const { userId } = await invite({ invitedUserEmailAddress: 'carl@partner.example' });
    const groupId = randomUUID();
    const db = world.foyer.foyer.db;
    await db('groups').insert({ id: groupId, display_name: 'Partners', created_at: new Date().toISOString() });
    await db('group_members').insert({ group_id: groupId, user_id: userId, created_at: new Date().toISOString() });
    await db('app_assignments').insert({ id: randomUUID(), app_id: 'web-app', principal_type: 'User', principal_id: userId, created_at: new Date().toISOString() });
    await db('identities').insert({ id: randomUUID(), user_id: userId, idp_id: 'partner', issuer: 'https://old-idp.example', subject: 'old', email: 'carl@partner.example', created_at: new Date().toISOString() });
    await db('users').where({ id: userId }).update({ external_user_state: 'Accepted' });

    const reset = await api(world.foyer.issuer, adminToken, 'POST', '/invitations', {
      invitedUserEmailAddress: 'bob@partner.example',
      inviteRedirectUrl: APP_URL,
      sendInvitationMessage: true,
      resetRedemption: true,
      invitedUser: { id: userId },
    });
    expect(reset.status).toBe(201);
    expect(reset.body).toMatchObject({ resetRedemption: true, status: 'PendingAcceptance', invitedUser: { id: userId } });
    expect(await db('identities').where({ user_id: userId })).toHaveLength(0);
    expect((await api(world.foyer.issuer, token, 'GET', `/users/${userId}`)).body).toMatchObject({ externalUserState: 'PendingAcceptance', mail: 'bob@partner.example' });

    const browser = new Browser();
    const landed = await deliver(browser, await acceptAndSignInAtPartner(browser, redeemUrlIn(latestOutboxMail(world.foyer)), 'bob'));
    expect(landed.stoppedAt).toBe(APP_URL);
    expect(await db('group_members').where({ group_id: groupId, user_id: userId })).toHaveLength(1);
    expect(await db('app_assignments').where({ principal_id: userId })).toHaveLength(1);
    expect((await db('identities').where({ user_id: userId })).map((i) => i.subject)).toEqual(['bob-0002']);
    expect(await db('audit_log').where({ activity: 'Reset redemption', target_id: userId })).toHaveLength(1);
  });

  it('refuses resetRedemption for an unknown user or a member, and changes nothing', async () => {
    const unknown = await api(world.foyer.issuer, adminToken, 'POST', '/invitations', { invitedUserEmailAddress: 'x@partner.example', inviteRedirectUrl: APP_URL, resetRedemption: true, invitedUser: { id: randomUUID() } });
    expect([unknown.status, (unknown.body.error as { code: string }).code]).toEqual([404, 'userNotFound']);
    const memberId = await world.foyer.createMember('m@contoso.example', 'a long member password');
    const member = await api(world.foyer.issuer, adminToken, 'POST', '/invitations', { invitedUserEmailAddress: 'm@contoso.example', inviteRedirectUrl: APP_URL, resetRedemption: true, invitedUser: { id: memberId } });
    expect([member.status, (member.body.error as { code: string }).code]).toEqual([400, 'notAGuest']);
    const again = await api(world.foyer.issuer, token, 'POST', '/invitations', { invitedUserEmailAddress: 'm@contoso.example', inviteRedirectUrl: APP_URL });
    // The address is at the organisation's own domain: refused before the directory is even asked.
    expect([again.status, (again.body.error as { code: string }).code]).toEqual([400, 'memberDomainAddress']);
  });

  it('never links by an unverified upstream email: a guest without an invitation is refused', async () => {
    const browser = new Browser();
    const { WEB_APP, startAuthorization, webAppClient } = await import('../support/oidc-client.js');
    const pending = await startAuthorization(await webAppClient(world.foyer.issuer), { login_hint: 'carol@partner.example' });
    const partnerForm = await browser.navigate(pending.url.toString(), { stopAt: [WEB_APP.redirectUri] });
    const params = await signInAtPartner(browser, partnerForm.url, 'carol', callback());
    const page = await browser.navigate(`${callback()}?${new URLSearchParams(params)}`, { stopAt: [WEB_APP.redirectUri] });
    expect([page.status, errorCodeOf(page.body)]).toEqual([403, 'noInvitation']);
    expect(await world.foyer.foyer.db('users').where({ mail_normalized: 'carol@elsewhere.example' })).toHaveLength(0);
  });
});
