/**
 * The admin console says what an access end means from its instant: one second after a guest's
 * end, before any sweep (the stored flag still on), the guest table, the state filter, the CSV
 * export and the guest's page show them as "Access ended", never as accepted, and so does the
 * app owner's guest list on My Apps; the what-if page warns that their sign-ins are refused; a guest without an
 * end, and one whose end is still ahead, read as before. Real Foyer, the lifecycle clock moved by
 * hand.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS, manualClock } from '../../src/lib/clock.js';
import { guestPageState, guestRows, guestTableRows, memberOnMyApps, redeemLink } from '../portal/portal-helpers.js';
import { api, appToken } from '../support/api-client.js';
import { Browser } from '../support/browserless.js';
import { DEMO_SECRET } from '../support/start-foyer.js';
import { partnerUser, startWorld, type World } from '../support/world.js';

const clock = manualClock(new Date());
let world: World;
let admin: Browser;
const TABLE = () => `${world.issuer}/myapps/admin/guests`;
const inDays = (n: number) => new Date(clock.now().getTime() + n * DAY_MS).toISOString();
const ids: Record<string, string> = {};
let end = '';

/** A guest invited (with an end or without) and redeemed: accepted. */
async function acceptedGuest(login: string, accessExpirationDateTime?: string): Promise<string> {
  const invited = await world.invite(`${login}@partner.example`, { inviteRedirectUrl: `${world.issuer}/myapps`, invitedUserSponsors: [{ id: world.members['sponsor@contoso.example'] }], ...(accessExpirationDateTime ? { accessExpirationDateTime } : {}) });
  await redeemLink(world, new Browser(), invited.redeemUrl, login, 'http://never.example/');
  return invited.userId;
}

beforeAll(async () => {
  world = await startWorld({
    oidc: [{ users: Object.fromEntries(['ann', 'bob', 'cat'].map((l) => [l, partnerUser(l)])) }],
    portal: true,
    smtp: true,
    clock,
    members: [{ email: 'admin@contoso.example', admin: true }, 'sponsor@contoso.example', 'owner@contoso.example'],
    customize: (config) => {
      const apps = config.apps as Record<string, unknown>[];
      Object.assign(apps.find((a) => a.id === 'web-app')!, { owners: ['owner@contoso.example'] });
      config.delegatedManagement = { appOwnersCanInvite: true };
      apps.push({ id: 'admin-app', displayName: 'Admin', clientSecret: DEMO_SECRET, grantTypes: ['client_credentials'], permissions: ['User.ReadWrite.All'] });
    },
  });
  end = inDays(5);
  ids.ended = await acceptedGuest('ann', end);
  ids.later = await acceptedGuest('bob', inDays(30));
  ids.open = await acceptedGuest('cat');
  const token = await appToken(world.issuer, 'admin-app');
  for (const id of [ids.ended, ids.later]) expect((await api(world.issuer, token, 'POST', `/users/${id}/appRoleAssignments`, { principalId: id, resourceId: 'web-app' })).status).toBe(201);
  clock.set(new Date(Date.parse(end) + 1000));
  admin = (await memberOnMyApps(world.foyer, 'admin@contoso.example', '/myapps/admin/guests')).browser;
});
afterAll(() => world?.stop());

const states = async (query = '') => Object.fromEntries(guestTableRows((await admin.navigate(`${TABLE()}?${query}`)).body).map((r) => [r.id, { state: r.state, label: r.cells.state }]));

describe('a guest one second after their access end, before any sweep', () => {
  it('reads as "Access ended" in the table; the others as accepted', async () => {
    expect((await world.foyer.foyer.db('users').where({ id: ids.ended }).first()).account_enabled).toBeTruthy(); // no sweep has run
    expect(await states()).toEqual({
      [ids.ended!]: { state: 'accessEnded', label: 'Access ended' },
      [ids.later!]: { state: 'accepted', label: 'Accepted' },
      [ids.open!]: { state: 'accepted', label: 'Accepted' },
    });
  });

  it('the state filter agrees: accessEnded finds only them, accepted and disabled not them', async () => {
    expect(Object.keys(await states('state=accessEnded'))).toEqual([ids.ended]);
    expect(Object.keys(await states('state=accepted')).sort()).toEqual([ids.later, ids.open].sort());
    expect(Object.keys(await states('state=disabled'))).toEqual([]);
  });

  it('the CSV export and the guest page say so too', async () => {
    const csv = await (await admin.request(`${TABLE()}/export.csv`)).text();
    expect(csv.split('\r\n').find((l) => l.startsWith(ids.ended!))).toContain(',Access ended,');
    expect(guestPageState((await admin.navigate(`${TABLE()}/${ids.ended}`)).body)).toBe('accessEnded');
    expect(guestPageState((await admin.navigate(`${TABLE()}/${ids.later}`)).body)).toBe('accepted');
  });

  it('the what-if page warns that their sign-ins are refused before any policy', async () => {
    const whatIf = (mail: string) => admin.navigate(`${world.issuer}/myapps/admin/what-if?user=${encodeURIComponent(mail)}&app=web-app`);
    const ended = await whatIf('ann@partner.example');
    expect(ended.status).toBe(200);
    expect(/<p class="alert" id="access-ended">([^<]*)<\/p>/.exec(ended.body)?.[1]).toBe(`This guest's access ended on ${end}: their sign-ins are refused before any policy.`.replace(/'/g, '&#39;'));
    expect((await whatIf('bob@partner.example')).body).not.toContain('id="access-ended"');
  });

  it("the app owner's guest list on My Apps says so too", async () => {
    const { browser } = await memberOnMyApps(world.foyer, 'owner@contoso.example');
    const page = await browser.navigate(`${world.issuer}/myapps/manage/app/web-app`);
    expect(Object.fromEntries(guestRows(page.body).map((r) => [r.id, r.state]))).toEqual({ [ids.ended!]: 'accessEnded', [ids.later!]: 'accepted' });
    expect(guestRows(page.body).find((r) => r.id === ids.ended)!.text).toContain('Access ended');
  });

  it('after the sweep they read as disabled, as before', async () => {
    clock.advance(15 * 60_000);
    await world.foyer.foyer.jobs.runDue();
    expect((await states())[ids.ended!]).toEqual({ state: 'disabled', label: 'Disabled' });
    expect(Object.keys(await states('state=disabled'))).toEqual([ids.ended]);
    expect(Object.keys(await states('state=accessEnded'))).toEqual([]);
  });
});
