/**
 * Sponsors (Graph user.sponsors): set at invitation (the inviting member by default), changed by
 * admins and by owners of the guest's app or group (nobody else), shown to the guest on My Apps.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userApiToken } from '../api/directory-world.js';
import { redeemedGuest } from '../portal/portal-helpers.js';
import { api, appToken, type ApiResponse } from '../support/api-client.js';
import { headingOf } from '../support/browserless.js';
import { APP_URL, daemonApp, PASSWORD, startWorld, type World } from '../support/world.js';
import { DEMO_SECRET } from '../support/start-foyer.js';

let world: World;
let admin: string;
let portal: string;
const issuer = () => world.foyer.issuer;
const db = () => world.foyer.foyer.db;
const ref = (id: string) => ({ '@odata.id': `${issuer()}/v1.0/users/${id}` });
const code = (res: ApiResponse) => (res.body.error as { code?: string } | undefined)?.code;
// Sorted: sponsors named in one request are stored in the same millisecond, so their order is not promised.
const sponsorMails = async (token: string, guestId: string) => ((await api(issuer(), token, 'GET', `/users/${guestId}/sponsors`)).body.value as { mail: string }[]).map((u) => u.mail).sort();
const auditCount = async () => Number((await db()('audit_log').count({ n: '*' }).first())!.n);

beforeAll(async () => {
  world = await startWorld({
    oidc: true,
    portal: true,
    members: ['inviter@contoso.example', 'colleague@contoso.example', 'owner@contoso.example', { email: 'admin@contoso.example', admin: true }],
    apps: [
      daemonApp('admin-app', ['User.ReadWrite.All', 'User.Invite.All']),
      { id: 'crm', displayName: 'CRM', clientSecret: DEMO_SECRET, redirectUris: ['http://127.0.0.1:9997/callback'], launchUrl: 'http://127.0.0.1:9997/', assignmentRequired: true, owners: ['owner@contoso.example'] },
    ],
    customize: (config) => {
      config.delegatedManagement = { appOwnersCanInvite: true };
      config.invitations = { allowInvitesFrom: 'adminsGuestInvitersAndAllMembers' };
    },
  });
  admin = await appToken(issuer(), 'admin-app');
  portal = await appToken(issuer(), 'portal-app');
});
afterAll(() => world?.stop());

describe('sponsors at invitation', () => {
  it('the inviting member sponsors the guest by default; an app names none unless asked', async () => {
    const { accessToken } = await userApiToken(issuer(), 'inviter@contoso.example', PASSWORD, ['User.Invite.All']);
    const byMember = await api(issuer(), accessToken, 'POST', '/invitations', { invitedUserEmailAddress: 'ann@partner.example', inviteRedirectUrl: APP_URL });
    expect(byMember.status).toBe(201);
    expect(await sponsorMails(admin, (byMember.body.invitedUser as { id: string }).id)).toEqual(['inviter@contoso.example']);

    const byApp = await api(issuer(), portal, 'POST', '/invitations', { invitedUserEmailAddress: 'ben@partner.example', inviteRedirectUrl: APP_URL });
    expect(await sponsorMails(admin, (byApp.body.invitedUser as { id: string }).id)).toEqual([]);

    const named = await api(issuer(), portal, 'POST', '/invitations', { invitedUserEmailAddress: 'cem@partner.example', inviteRedirectUrl: APP_URL, invitedUserSponsors: [{ id: world.members['colleague@contoso.example']! }, { id: world.members['owner@contoso.example']! }] });
    expect(await sponsorMails(admin, (named.body.invitedUser as { id: string }).id)).toEqual(['colleague@contoso.example', 'owner@contoso.example']);
  });

  it('a guest, an unknown id or a disabled member cannot sponsor: 400 invalidSponsor, and no guest or invitation is written', async () => {
    const guest = await world.foyer.foyer.users.create({ mail: 'dora@partner.example', userType: 'Guest', externalUserState: 'Accepted' });
    const disabled = await world.foyer.foyer.users.create({ mail: 'gone@contoso.example', userType: 'Member' });
    await db()('users').where({ id: disabled.id }).update({ account_enabled: false });
    const before = [await db()('users').count({ n: '*' }).first(), await db()('invitations').count({ n: '*' }).first(), await auditCount()];
    for (const id of [guest.id, '00000000-0000-4000-8000-000000000000', disabled.id]) {
      const res = await api(issuer(), portal, 'POST', '/invitations', { invitedUserEmailAddress: 'eve@partner.example', inviteRedirectUrl: APP_URL, invitedUserSponsors: [{ id }] });
      expect([res.status, code(res)]).toEqual([400, 'invalidSponsor']);
    }
    expect([await db()('users').count({ n: '*' }).first(), await db()('invitations').count({ n: '*' }).first(), await auditCount()]).toEqual(before);
  });
});

describe('changing sponsors through the API', () => {
  it('an admin adds and removes a sponsor, each change audited', async () => {
    const guest = await world.foyer.foyer.users.create({ mail: 'finn@partner.example', userType: 'Guest', externalUserState: 'Accepted' });
    const colleague = world.members['colleague@contoso.example']!;
    expect((await api(issuer(), admin, 'POST', `/users/${guest.id}/sponsors/$ref`, ref(colleague))).status).toBe(204);
    expect(code(await api(issuer(), admin, 'POST', `/users/${guest.id}/sponsors/$ref`, ref(colleague)))).toBe('alreadySponsor');
    expect(await sponsorMails(admin, guest.id)).toEqual(['colleague@contoso.example']);
    expect((await api(issuer(), admin, 'DELETE', `/users/${guest.id}/sponsors/${colleague}/$ref`)).status).toBe(204);
    expect(await sponsorMails(admin, guest.id)).toEqual([]);
    expect(code(await api(issuer(), admin, 'DELETE', `/users/${guest.id}/sponsors/${colleague}/$ref`))).toBe('Request_ResourceNotFound');
    const audit = await db()('audit_log').where({ target_id: guest.id }).orderBy('activity_at').pluck('activity');
    expect(audit).toEqual(['Add sponsor', 'Remove sponsor']);
  });

  it('an owner changes the sponsors of a guest of their app, and of no other guest', async () => {
    const mine = await world.foyer.foyer.users.create({ mail: 'gus@partner.example', userType: 'Guest', externalUserState: 'Accepted' });
    const other = await world.foyer.foyer.users.create({ mail: 'hana@partner.example', userType: 'Guest', externalUserState: 'Accepted' });
    await api(issuer(), admin, 'POST', `/users/${mine.id}/appRoleAssignments`, { principalId: mine.id, resourceId: 'crm' });
    expect(await db()('app_assignments').where({ principal_id: mine.id, app_id: 'crm' })).toHaveLength(1);
    const { accessToken: owner } = await userApiToken(issuer(), 'owner@contoso.example', PASSWORD, ['User.ReadWrite.All']);
    const colleague = world.members['colleague@contoso.example']!;

    expect((await api(issuer(), owner, 'POST', `/users/${mine.id}/sponsors/$ref`, ref(colleague))).status).toBe(204);
    expect(await sponsorMails(owner, mine.id)).toEqual(['colleague@contoso.example']);

    const before = await auditCount();
    const refused = await api(issuer(), owner, 'POST', `/users/${other.id}/sponsors/$ref`, ref(colleague));
    expect([refused.status, code(refused)]).toEqual([403, 'Authorization_RequestDenied']);
    expect((await api(issuer(), owner, 'GET', `/users/${other.id}/sponsors`)).status).toBe(403);
    // A member who owns nothing cannot change any guest's sponsors, not even to name themselves.
    const { accessToken: plain } = await userApiToken(issuer(), 'colleague@contoso.example', PASSWORD, ['User.ReadWrite.All']);
    expect((await api(issuer(), plain, 'DELETE', `/users/${mine.id}/sponsors/${colleague}/$ref`)).status).toBe(403);
    expect((await api(issuer(), plain, 'POST', `/users/${other.id}/sponsors/$ref`, ref(colleague))).status).toBe(403);
    expect(await db()('user_sponsors').where({ user_id: other.id })).toEqual([]);
    expect(await sponsorMails(admin, mine.id)).toEqual(['colleague@contoso.example']);
    expect(await auditCount()).toBe(before);
  });

  it('refuses a guest as sponsor, sponsors for a member, a sixth sponsor, and references to another service', async () => {
    const guest = await world.foyer.foyer.users.create({ mail: 'ivo@partner.example', userType: 'Guest', externalUserState: 'Accepted' });
    const other = await world.foyer.foyer.users.create({ mail: 'jo@partner.example', userType: 'Guest', externalUserState: 'Accepted' });
    expect(code(await api(issuer(), admin, 'POST', `/users/${guest.id}/sponsors/$ref`, ref(other.id)))).toBe('invalidSponsor');
    expect(code(await api(issuer(), admin, 'POST', `/users/${guest.id}/sponsors/$ref`, ref(guest.id)))).toBe('invalidSponsor');
    expect(code(await api(issuer(), admin, 'POST', `/users/${world.members['owner@contoso.example']}/sponsors/$ref`, ref(world.members['colleague@contoso.example']!)))).toBe('notAGuest');
    expect(code(await api(issuer(), admin, 'POST', `/users/${guest.id}/sponsors/$ref`, { '@odata.id': `https://graph.microsoft.com/v1.0/users/${other.id}` }))).toBe('invalidReference');
    for (let i = 0; i < 5; i++) {
      const m = await world.foyer.createMember(`s${i}@contoso.example`, PASSWORD);
      expect((await api(issuer(), admin, 'POST', `/users/${guest.id}/sponsors/$ref`, ref(m))).status).toBe(204);
    }
    const sixth = await api(issuer(), admin, 'POST', `/users/${guest.id}/sponsors/$ref`, ref(world.members['colleague@contoso.example']!));
    expect([sixth.status, code(sixth)]).toEqual([400, 'tooManySponsors']);
    expect(await db()('user_sponsors').where({ user_id: guest.id })).toHaveLength(5);
  });
});

describe('My Apps', () => {
  it('shows the guest who their sponsors are', async () => {
    const { browser, userId } = await redeemedGuest(world, 'alice@partner.example', 'alice');
    await api(issuer(), admin, 'POST', `/users/${userId}/sponsors/$ref`, ref(world.members['colleague@contoso.example']!));
    const page = await browser.navigate(`${issuer()}/myapps`);
    expect(headingOf(page.body)).toBe('My Apps');
    expect(page.body).toMatch(/<li class="sponsor"><strong>[^<]*<\/strong> <a href="mailto:colleague@contoso.example">colleague@contoso.example<\/a><\/li>/);
  });
});
