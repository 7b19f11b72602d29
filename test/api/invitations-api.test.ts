import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, appToken } from '../support/api-client.js';
import { DEMO_SECRET, startFoyer, type RunningFoyer } from '../support/start-foyer.js';

let foyer: RunningFoyer;
let token: string;

const APP_URL = 'http://127.0.0.1:9999/';

beforeAll(async () => {
  foyer = await startFoyer((config) => {
    const apps = config.apps as Record<string, unknown>[];
    apps[0]!.launchUrl = APP_URL;
    apps.push({ id: 'portal-app', displayName: 'Sign-up portal', clientSecret: DEMO_SECRET, grantTypes: ['client_credentials'], permissions: ['User.Invite.All', 'User.Read.All'] });
    config.invitations = { blockedDomains: ['blocked.example'] };
  });
  token = await appToken(foyer.issuer, 'portal-app');
});
afterAll(() => foyer?.stop());

const invite = (body: unknown, t: string | undefined = token) => api(foyer.issuer, t, 'POST', '/invitations', body);

describe('POST /v1.0/invitations', () => {
  it('creates a pending guest and answers Graph-shaped with a single redeem URL', async () => {
    const res = await invite({ invitedUserEmailAddress: 'alice@partner.example', inviteRedirectUrl: APP_URL, invitedUserDisplayName: 'Alice' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      invitedUserEmailAddress: 'alice@partner.example',
      invitedUserDisplayName: 'Alice',
      invitedUserType: 'Guest',
      inviteRedirectUrl: APP_URL,
      sendInvitationMessage: false,
      status: 'PendingAcceptance',
    });
    const redeemUrl = String(res.body.inviteRedeemUrl);
    expect(redeemUrl).toMatch(new RegExp(`^${foyer.issuer}/redeem\\?t=[A-Za-z0-9_-]{43}$`));
    const userId = (res.body.invitedUser as { id: string }).id;
    const user = await api(foyer.issuer, token, 'GET', `/users/${userId}`);
    expect(user.body).toMatchObject({ userType: 'Guest', externalUserState: 'PendingAcceptance', mail: 'alice@partner.example' });
    // Only the hash of the ticket is stored.
    const ticket = new URL(redeemUrl).searchParams.get('t')!;
    const rows = await foyer.foyer.db('invitations').select('ticket_hash');
    expect(JSON.stringify(rows)).not.toContain(ticket);
  });

  it('refuses a redirect that is not a registered app URL, and writes nothing', async () => {
    const before = await foyer.foyer.db('users').count({ n: '*' }).first();
    const res = await invite({ invitedUserEmailAddress: 'bob@partner.example', inviteRedirectUrl: 'https://evil.example/phish' });
    expect(res.status).toBe(400);
    expect((res.body.error as { code: string }).code).toBe('redirectUrlNotRegistered');
    expect(await foyer.foyer.db('users').count({ n: '*' }).first()).toEqual(before);
  });

  it('refuses blocked domains with 403 domainNotAllowed', async () => {
    const res = await invite({ invitedUserEmailAddress: 'eve@blocked.example', inviteRedirectUrl: APP_URL });
    expect(res.status).toBe(403);
    expect((res.body.error as { code: string }).code).toBe('domainNotAllowed');
  });

  it.each([
    ['missing email', { inviteRedirectUrl: APP_URL }],
    ['bad email', { invitedUserEmailAddress: 'not-an-email', inviteRedirectUrl: APP_URL }],
    ['unknown field', { invitedUserEmailAddress: 'c@partner.example', inviteRedirectUrl: APP_URL, isAdmin: true }],
    ['wrong type', { invitedUserEmailAddress: 'c@partner.example', inviteRedirectUrl: APP_URL, sendInvitationMessage: 'yes' }],
    ['reset without user', { invitedUserEmailAddress: 'c@partner.example', inviteRedirectUrl: APP_URL, resetRedemption: true }],
  ])('answers 400 invalidRequest for %s', async (_name, body) => {
    const res = await invite(body);
    expect(res.status).toBe(400);
    expect((res.body.error as { code: string }).code).toBe('invalidRequest');
  });

  it('answers 415 for a non-JSON body and 400 for malformed JSON, 413 for an oversized one', async () => {
    const form = await api(foyer.issuer, token, 'POST', '/invitations', 'invitedUserEmailAddress=a@b.example', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(form.status).toBe(415);
    const garbage = await api(foyer.issuer, token, 'POST', '/invitations', '{"invitedUserEmailAddress":');
    expect(garbage.status).toBe(400);
    const huge = await api(foyer.issuer, token, 'POST', '/invitations', JSON.stringify({ invitedUserEmailAddress: 'a@partner.example', inviteRedirectUrl: APP_URL, invitedUserDisplayName: 'x'.repeat(200_000) }));
    expect(huge.status).toBe(413);
  });

  it('requires a valid bearer token with User.Invite.All', async () => {
    expect((await api(foyer.issuer, undefined, 'POST', '/invitations', {})).status).toBe(401);
    expect((await invite({}, 'not.a.jwt')).status).toBe(401);
    const daemon = await appToken(foyer.issuer, 'daemon-app');
    const res = await invite({ invitedUserEmailAddress: 'd@partner.example', inviteRedirectUrl: APP_URL }, daemon);
    expect(res.status).toBe(403);
    expect((res.body.error as { code: string }).code).toBe('Authorization_RequestDenied');
  });
});

describe('addresses that need no guest invitation', () => {
  const counts = async () => ({
    users: await foyer.foyer.db('users').count({ n: '*' }).first(),
    invitations: await foyer.foyer.db('invitations').count({ n: '*' }).first(),
  });

  it('refuses an address at a member domain (tenant.memberDomains) with 400 memberDomainAddress, writing nothing', async () => {
    const before = await counts();
    const res = await invite({ invitedUserEmailAddress: 'Newcomer@Contoso.example', inviteRedirectUrl: APP_URL, sendInvitationMessage: true });
    expect(res.status).toBe(400);
    expect((res.body.error as { code: string }).code).toBe('memberDomainAddress');
    expect(await counts()).toEqual(before);
  });

  it("refuses an existing member's address (at any domain) with 400 userAlreadyMember, writing nothing", async () => {
    await foyer.createMember('consultant@outside.example', 'correct horse battery staple');
    const before = await counts();
    const res = await invite({ invitedUserEmailAddress: 'consultant@outside.example', inviteRedirectUrl: APP_URL });
    expect(res.status).toBe(400);
    expect((res.body.error as { code: string }).code).toBe('userAlreadyMember');
    expect(await counts()).toEqual(before);
  });
});

describe('invitation lifecycle routes', () => {
  it('lists, gets, resends (new ticket, old one dead) and revokes', async () => {
    const created = await invite({ invitedUserEmailAddress: 'carol@partner.example', inviteRedirectUrl: APP_URL });
    const id = String(created.body.id);
    expect((await api(foyer.issuer, token, 'GET', `/invitations/${id}`)).body).toMatchObject({ id, status: 'PendingAcceptance', inviteRedeemUrl: null });
    const list = await api<{ value: { id: string }[] }>(foyer.issuer, token, 'GET', '/invitations?status=PendingAcceptance');
    expect(list.body.value.map((i) => i.id)).toContain(id);

    const resent = await api(foyer.issuer, token, 'POST', `/invitations/${id}/resend`);
    expect(resent.status).toBe(200);
    expect(resent.body.inviteRedeemUrl).not.toBe(created.body.inviteRedeemUrl);
    const oldTicket = new URL(String(created.body.inviteRedeemUrl)).searchParams.get('t')!;
    const { hashTicket } = await import('../../src/invitations/redeem-ticket.js');
    expect(await foyer.foyer.db('invitations').where({ ticket_hash: hashTicket(oldTicket) }).first()).toBeUndefined();

    const revoked = await api(foyer.issuer, token, 'POST', `/invitations/${id}/revoke`);
    expect(revoked.body).toMatchObject({ status: 'Revoked' });
    const again = await api(foyer.issuer, token, 'POST', `/invitations/${id}/revoke`);
    expect(again.status).toBe(409);
    const audit = await foyer.foyer.db('audit_log').where({ category: 'Invitation' }).select('activity');
    expect(audit.map((a) => a.activity)).toEqual(expect.arrayContaining(['Invite external user', 'Resend invitation', 'Revoke invitation']));
  });

  it('answers 404 for unknown ids and 400 for malformed ones', async () => {
    expect((await api(foyer.issuer, token, 'GET', '/invitations/7f1c6a57-5b8e-4d4a-9a53-2f7a1d3c9e11')).status).toBe(404);
    expect((await api(foyer.issuer, token, 'GET', '/invitations/1%27%20or%201=1')).status).toBe(400);
    expect((await api(foyer.issuer, token, 'GET', '/invitations?$top=0')).status).toBe(400);
    expect((await api(foyer.issuer, token, 'GET', '/nothing-here')).status).toBe(404);
  });
});

describe('an invitation without inviteRedirectUrl', () => {
  it('sends the guest to My Apps (a documented deviation: Graph requires the field)', async () => {
    const res = await invite({ invitedUserEmailAddress: 'nowhere-in-particular@partner.example' });
    expect(res.status).toBe(201);
    expect(res.body.inviteRedirectUrl).toBe(`${foyer.issuer}/myapps`);
  });
});
