/**
 * Graph's user.preferredLanguage: an admin sets it by API (a bad tag is refused and changes
 * nothing), a guest's redemption keeps the invitation's messageLanguage, a sign-in keeps the
 * language its pages spoke, neither overwrites one already set; and the sponsors' lifecycle mails,
 * over the test world's real SMTP server, speak each sponsor's language (English without one).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DAY_MS, manualClock } from '../../src/lib/clock.js';
import { api, appToken } from '../support/api-client.js';
import { Browser } from '../support/browserless.js';
import { finishAuthorization, startAuthorization, WEB_APP, webAppClient } from '../support/oidc-client.js';
import { signInAtPartner } from '../support/partner-idp.js';
import { daemonApp, partnerUser, PASSWORD, startWorld, type World } from '../support/world.js';

const clock = manualClock(new Date());
let world: World;
let admin: string;
const issuer = () => world.foyer.issuer;
const db = () => world.foyer.foyer.db;
const myApps = () => `${issuer()}/myapps`;
const runDue = () => {
  clock.advance(15 * 60_000); // past lifecycle.jobIntervalMinutes
  return world.foyer.foyer.jobs.runDue();
};
const SPONSOR_FR = 'sponsor-fr@contoso.example';
const SPONSOR_EN = 'sponsor-en@contoso.example';
const languageOf = async (id: string) => ((await db()('users').where({ id }).first()) as { preferred_language: string | null }).preferred_language;

beforeAll(async () => {
  world = await startWorld({
    oidc: [{ users: Object.fromEntries(['ana', 'ben', 'cem', 'dan'].map((login) => [login, partnerUser(login)])) }],
    portal: true,
    smtp: true,
    clock,
    members: [SPONSOR_FR, SPONSOR_EN, 'mia@contoso.example', 'max@contoso.example'],
    apps: [daemonApp('admin-app', ['User.Read.All', 'User.ReadWrite.All', 'User.Invite.All'])],
  });
  admin = await appToken(issuer(), 'admin-app');
});
afterAll(() => world?.stop());

const patch = (id: string, body: unknown) => api(issuer(), admin, 'PATCH', `/users/${id}`, body);

/** A guest invited (with both sponsors) and redeemed in a browser that names no language (Node's fetch sends "*"). */
async function redeemedGuest(login: string, invitation: Record<string, unknown> = {}, beforeRedeeming: (userId: string) => Promise<void> = async () => {}) {
  const invited = await world.invite(`${login}@partner.example`, { inviteRedirectUrl: myApps(), invitedUserSponsors: [{ id: world.members[SPONSOR_FR] }, { id: world.members[SPONSOR_EN] }], ...invitation });
  await beforeRedeeming(invited.userId);
  // As portal-helpers' redeemLink, without reading the headings (the redemption page speaks the invitation's language).
  const browser = new Browser();
  const accept = await browser.navigate(invited.redeemUrl);
  const toPartner = await browser.submit(accept, {});
  const callback = `${issuer()}/federation/partner/callback`;
  const params = await signInAtPartner(browser, toPartner.url, login, callback);
  const landed = await browser.navigate(`${callback}?${new URLSearchParams(params)}`);
  expect(landed.url).toBe(myApps());
  return invited.userId;
}

describe('PATCH /v1.0/users/{id} preferredLanguage', () => {
  it('keeps a well-formed tag in canonical case (GET shows it), audited; null clears it', async () => {
    const id = world.members['mia@contoso.example']!;
    expect((await api(issuer(), admin, 'GET', `/users/${id}`)).body.preferredLanguage).toBeNull();
    expect((await patch(id, { preferredLanguage: 'de-ch' })).status).toBe(204);
    expect((await api(issuer(), admin, 'GET', `/users/${id}`)).body.preferredLanguage).toBe('de-CH');
    const audit = await db()('audit_log').where({ activity: 'Update user', target_id: id }).first();
    expect(JSON.parse(audit.details)).toMatchObject({ modifiedProperties: ['preferredLanguage'] });
    expect((await patch(id, { preferredLanguage: null })).status).toBe(204);
    expect(await languageOf(id)).toBeNull();
  });

  it.each([
    ['not a tag', 'français'],
    ['an underscore', 'fr_FR'],
    ['an empty string', ''],
    ['a tag too long', `en-${'abcdefgh-'.repeat(4)}x`],
    ['a number', 33],
    ['a list', ['fr']],
  ])('refuses %s with 400 invalidPreferredLanguage and changes nothing (nor the other properties sent with it)', async (_what, value) => {
    const id = world.members['max@contoso.example']!;
    const before = await db()('users').where({ id }).first();
    const audits = await db()('audit_log').where({ target_id: id }).count({ n: '*' }).first();
    const res = await patch(id, { displayName: 'Renamed', preferredLanguage: value });
    expect([res.status, (res.body.error as { code?: string } | undefined)?.code]).toEqual([400, 'invalidPreferredLanguage']);
    expect(await db()('users').where({ id }).first()).toEqual(before);
    expect(await db()('audit_log').where({ target_id: id }).count({ n: '*' }).first()).toEqual(audits);
  });
});

describe('where a preferredLanguage comes from', () => {
  it("a guest's redemption keeps the invitation's messageLanguage; without one, and a browser that names no language, there is none", async () => {
    const ana = await redeemedGuest('ana', { invitedUserMessageInfo: { messageLanguage: 'fr-FR' } });
    expect(await languageOf(ana)).toBe('fr-FR');
    const ben = await redeemedGuest('ben');
    expect(await languageOf(ben)).toBeNull();
  });

  it("never overwrites an admin's choice: set before the redemption, it stays", async () => {
    const cem = await redeemedGuest('cem', { invitedUserMessageInfo: { messageLanguage: 'fr-FR' } }, async (userId) => {
      expect((await patch(userId, { preferredLanguage: 'en-GB' })).status).toBe(204);
    });
    expect(await languageOf(cem)).toBe('en-GB');
  });

  it('a sign-in keeps the language its pages spoke (the app’s ui_locales), once: a later sign-in in another language does not change it', async () => {
    const signIn = async (uiLocales: string) => {
      const browser = new Browser();
      const config = await webAppClient(issuer());
      const pending = await startAuthorization(config, { ui_locales: uiLocales });
      let page = await browser.navigate(pending.url.href, { stopAt: [WEB_APP.redirectUri] });
      page = await browser.submit(page, { email: 'max@contoso.example' }, { stopAt: [WEB_APP.redirectUri] });
      page = await browser.submit(page, { email: 'max@contoso.example', password: PASSWORD }, { stopAt: [WEB_APP.redirectUri] });
      if (!page.stoppedAt) page = await browser.submit(page, {}, { stopAt: [WEB_APP.redirectUri] }); // consent
      expect(page.stoppedAt, page.body.slice(0, 500)).toBeTruthy();
      await finishAuthorization(config, page.stoppedAt!, pending);
    };
    const max = world.members['max@contoso.example']!;
    expect(await languageOf(max)).toBeNull();
    await signIn('fr-CA en');
    expect(await languageOf(max)).toBe('fr');
    await signIn('en');
    expect(await languageOf(max)).toBe('fr');
  });
});

describe("the sponsors' lifecycle mails", () => {
  it("speak each sponsor's preferredLanguage: French for the sponsor who has fr-FR, English for the one who has none", async () => {
    expect((await patch(world.members[SPONSOR_FR]!, { preferredLanguage: 'fr-FR' })).status).toBe(204);
    const guest = await redeemedGuest('dan', { invitedUserMessageInfo: { messageLanguage: 'fr-FR' } });
    const res = await api(issuer(), admin, 'POST', `/users/${guest}/appRoleAssignments`, { principalId: guest, resourceId: 'web-app', expirationDateTime: new Date(clock.now().getTime() + 10 * DAY_MS).toISOString() });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const since = world.smtp.messages.length; // the invitation mails came before

    expect((await runDue())['lifecycle: expiry']).toBe('ran');
    const french = await world.smtp.waitForMessage(SPONSOR_FR);
    expect(french.subject).toMatch(/^L’accès de dan\b.*Web App.*prend fin le/);
    expect(french.text).toContain('Examiner et prolonger');
    const english = await world.smtp.waitForMessage(SPONSOR_EN);
    expect(english.subject).toMatch(/^dan\b.*'s access to Web App ends on /);
    expect(english.text).toContain('Review and extend');
    // The guest hears their own language (kept from the invitation at redemption).
    const toGuest = await vi.waitFor(
      () => {
        const found = world.smtp.messages.slice(since).find((m) => m.to.includes('dan@partner.example'));
        if (!found) throw new Error('no expiry notice to dan yet');
        return found;
      },
      { timeout: 5000 },
    );
    expect(toGuest.subject).toMatch(/^Votre accès à.*Web App.*Contoso Test.*prend fin le/);
    expect(toGuest.html).toMatch(/<html[^>]* lang="fr"/);
  });
});
