import { beforeAll, describe, expect, it } from 'vitest';
import { api, appToken } from '../support/api-client.js';
import type { Browser } from '../support/browserless.js';
import { useWorld } from '../support/world.js';
import { memberOnMyApps, redeemedGuest } from '../portal/portal-helpers.js';
import { get, post } from './support/web-forms.js';
import { ownersWorld } from './support/owners-world.js';
import { worldState } from './support/web-snapshot.js';

/**
 * Privilege escalation on My Apps: a guest and a member without a role open the owners' pages and
 * the admin guests page and post their forms; the owner of one app or group reaches for another,
 * or for a guest who came in some other way. Each is refused (403, or 404 for a guest not theirs),
 * with the directory, invitations and outbox unchanged. The mechanisms: src/portal/portal-auth.ts
 * (requirePortalAdmin), src/portal/delegated-guests.ts (every owner action checks ownership and
 * that the guest has access through that very app or group), CSRF on every form.
 */
const world = useWorld(
  ownersWorld((config) => {
    // The SPA has an owner of its own, and a tile on My Apps.
    Object.assign((config.apps as Record<string, unknown>[])[1]!, { owners: ['otherowner@contoso.example'], launchUrl: 'http://127.0.0.1:9998/' });
  }),
);
let issuer: string;
const ids: Record<string, string> = {};
const browsers: Record<string, Browser> = {};

beforeAll(async () => {
  issuer = world.foyer.issuer;
  const admin = await appToken(issuer, 'admin-app');
  for (const who of ['plain', 'appowner', 'otherowner', 'groupowner']) ids[who] = await world.foyer.createMember(`${who}@contoso.example`, 'correct horse battery staple');
  const ref = (id: string) => ({ '@odata.id': `${issuer}/v1.0/directoryObjects/${id}` });
  ids.groupA = String((await api(issuer, admin, 'POST', '/groups', { displayName: 'Group A' })).body.id);
  ids.groupB = String((await api(issuer, admin, 'POST', '/groups', { displayName: 'Group B' })).body.id);
  await api(issuer, admin, 'POST', `/groups/${ids.groupA}/owners/$ref`, ref(ids.groupowner!));
  // hugo is a guest of spa-app and group B only: nobody else's to manage.
  const hugo = await api(issuer, admin, 'POST', '/invitations', { invitedUserEmailAddress: 'hugo@partner.example', inviteRedirectUrl: 'http://127.0.0.1:9998/', sendInvitationMessage: true });
  ids.hugo = String((hugo.body.invitedUser as { id: string }).id);
  await api(issuer, admin, 'POST', '/servicePrincipals/spa-app/appRoleAssignedTo', { principalId: ids.hugo, resourceId: 'spa-app' });
  await api(issuer, admin, 'POST', `/groups/${ids.groupB}/members/$ref`, ref(ids.hugo));

  const guest = await redeemedGuest(world, 'gwen@partner.example', 'gwen');
  ids.gwen = guest.userId;
  browsers.gwen = guest.browser;
  expect((await browsers.gwen.navigate(`${issuer}/myapps`)).status).toBe(200);
  for (const who of ['plain', 'appowner', 'groupowner']) browsers[who] = (await memberOnMyApps(world.foyer, `${who}@contoso.example`)).browser;
}, 90_000);

type Attempt = [method: 'GET' | 'POST', path: string, status: number, code: string];

/** Each attempt from `who`'s browser (with its own CSRF token) answers as listed; nothing changed anywhere. */
async function expectRefused(who: string, attempts: Attempt[]): Promise<void> {
  const browser = browsers[who]!;
  const before = await worldState(world.foyer);
  for (const [method, path, status, code] of attempts) {
    const url = `${issuer}${path}`;
    const res = method === 'GET' ? await get(browser, url) : await post(browser, url, { email: 'accomplice@partner.example', redirect: 'http://127.0.0.1:9999/' });
    expect([who, method, path, res.status, res.code, res.location]).toEqual([who, method, path, status, code, null]);
  }
  expect(await worldState(world.foyer)).toEqual(before);
}

const adminPages = (): Attempt[] => [
  ['GET', '/myapps/admin/guests', 403, 'consolePermissionRequired'],
  ['POST', '/myapps/admin/guests/invite', 403, 'consolePermissionRequired'],
  ['POST', `/myapps/admin/guests/${ids.hugo}/disable`, 403, 'consolePermissionRequired'],
  ['POST', `/myapps/admin/guests/${ids.hugo}/reset`, 403, 'consolePermissionRequired'],
  ['POST', `/myapps/admin/guests/${ids.hugo}/revoke`, 403, 'consolePermissionRequired'],
];

describe('people who own nothing', () => {
  it('a guest may not open or post the admin guests page, nor an owner’s page', async () => {
    await expectRefused('gwen', [
      ...adminPages(),
      ['GET', '/myapps/manage/app/web-app', 403, 'notAnOwner'],
      ['POST', '/myapps/manage/app/web-app/invite', 403, 'notAnOwner'],
      ['POST', `/myapps/manage/group/${ids.groupB}/guests/${ids.hugo}/remove`, 403, 'notAnOwner'],
    ]);
  });

  it('a member without a role may not either', async () => {
    await expectRefused('plain', [...adminPages(), ['GET', '/myapps/manage/app/spa-app', 403, 'notAnOwner'], ['POST', `/myapps/manage/group/${ids.groupA}/invite`, 403, 'notAnOwner']]);
  });
});

describe('owners reaching beyond what they own', () => {
  it('the owner of one app may not manage another app, a group, or the admin page', async () => {
    await expectRefused('appowner', [
      ...adminPages(),
      ['GET', '/myapps/manage/app/spa-app', 403, 'notAnOwner'],
      ['POST', '/myapps/manage/app/spa-app/invite', 403, 'notAnOwner'],
      ['POST', `/myapps/manage/app/spa-app/guests/${ids.hugo}/remove`, 403, 'notAnOwner'],
      ['GET', `/myapps/manage/group/${ids.groupB}`, 403, 'notAnOwner'],
    ]);
  });

  it('through their own app’s page, a guest who came in another way, or a member, is not theirs to resend, revoke or remove', async () => {
    const attempts: Attempt[] = [];
    for (const target of [ids.hugo!, ids.plain!]) {
      for (const action of ['resend', 'revoke', 'remove']) attempts.push(['POST', `/myapps/manage/app/web-app/guests/${target}/${action}`, 404, 'guestNotFound']);
    }
    await expectRefused('appowner', attempts);
  });

  it('the owner of one group may not manage another group, nor another group’s guest through their own', async () => {
    await expectRefused('groupowner', [
      ['GET', `/myapps/manage/group/${ids.groupB}`, 403, 'notAnOwner'],
      ['POST', `/myapps/manage/group/${ids.groupB}/invite`, 403, 'notAnOwner'],
      ['POST', `/myapps/manage/group/${ids.groupA}/guests/${ids.hugo}/remove`, 404, 'guestNotFound'],
      ['POST', `/myapps/manage/group/${ids.groupA}/guests/${ids.hugo}/revoke`, 404, 'guestNotFound'],
      ['GET', '/myapps/manage/app/web-app', 403, 'notAnOwner'],
    ]);
  });
});

describe('forged owner forms', () => {
  it('an owner’s invite form posted without the CSRF token, or with another browser’s, invites no one', async () => {
    const before = await worldState(world.foyer);
    const foreign = browsers.gwen!.cookiesFor(issuer)['foyer.csrf']!;
    for (const extra of [{}, { _csrf: foreign }] as Record<string, string>[]) {
      const res = await post(browsers.appowner!, `${issuer}/myapps/manage/app/web-app/invite`, { email: 'planted@partner.example', ...extra }, { csrf: false });
      expect([res.status, res.code]).toEqual([403, 'csrfTokenInvalid']);
    }
    expect(await worldState(world.foyer)).toEqual(before);
    // The control: with its own token the same owner invites.
    expect((await post(browsers.appowner!, `${issuer}/myapps/manage/app/web-app/invite`, { email: 'invited@partner.example' })).status).toBe(303);
  });
});
