import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, appToken } from '../support/api-client.js';
import { Browser, parseForms, type Page } from '../support/browserless.js';
import { startGuestWorld, type GuestWorld } from '../support/guest-world.js';
import { openSignIn, webAppClient } from '../support/oidc-client.js';
import { DEMO_SECRET } from '../support/start-foyer.js';
import { partnerUser, PASSWORD, redeemedGuest } from '../portal/portal-helpers.js';
import { observe, type Observed } from './support/web-compare.js';

/**
 * Account enumeration: an anonymous attacker types addresses into the sign-in pages (and an app
 * without permissions asks the API) and compares what comes back for an address that has an
 * account, an invitation or a password with what comes back for one that has nothing. Status,
 * headers, cookies, redirect and body (the typed address and random tokens masked,
 * support/web-compare.ts) must be identical. Timing is deliberately not tested.
 */
let world: GuestWorld;
let issuer: string;
let nothingApp: string;

beforeAll(async () => {
  world = await startGuestWorld(
    (config) => {
      (config.apps as unknown[]).push({ id: 'nothing-app', displayName: 'No permissions', clientSecret: DEMO_SECRET, grantTypes: ['client_credentials'], permissions: [] });
    },
    { users: { gwen: partnerUser('gwen') } },
  );
  issuer = world.foyer.issuer;
  nothingApp = await appToken(issuer, 'nothing-app');
  const { foyer } = world;
  await foyer.createMember('kept@contoso.example', PASSWORD);
  const gone = await foyer.createMember('gone@contoso.example', PASSWORD);
  await api(issuer, await appToken(issuer, 'portal-app'), 'POST', '/invitations', { invitedUserEmailAddress: 'pia@elsewhere.example', inviteRedirectUrl: 'http://127.0.0.1:9999/' });
  await foyer.foyer.db('users').where({ id: gone }).update({ account_enabled: false });
  await redeemedGuest(world, 'gwen@partner.example', 'gwen');
  // A guest whose address is at a domain no IdP serves, who redeemed (proving the address by passcode) with their partner account.
  const carl = await foyer.foyer.users.create({ mail: 'carl@elsewhere.example', userType: 'Guest', externalUserState: 'Accepted' });
  await foyer.foyer.identities.link(carl.id, { idpId: 'partner', issuer: world.partner.issuer, subject: 'carl-sub', email: 'carl@partner.example' });
}, 60_000);
afterAll(() => world?.stop());

/** A fresh browser's sign-in to the web app: the email page. */
async function emailPage(): Promise<{ browser: Browser; page: Page }> {
  const browser = new Browser();
  const { page } = await openSignIn(browser, await webAppClient(issuer));
  return { browser, page };
}

async function postForm(browser: Browser, page: Page, fields: Record<string, string>): Promise<Response> {
  const form = parseForms(page.body)[0]!;
  return browser.request(new URL(form.action, page.url).href, { method: 'POST', body: new URLSearchParams({ ...form.fields, ...fields }).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
}

/** What typing `email` on the email page shows (the response itself, not followed). */
async function afterIdentify(email: string): Promise<Observed> {
  const { browser, page } = await emailPage();
  return observe(await postForm(browser, page, { email }), [email]);
}

/** What the password form answers for `email` and a wrong password. */
async function afterWrongPassword(email: string): Promise<Observed> {
  const { browser, page } = await emailPage();
  // The password form a member domain gets; the attacker posts it with any address.
  const password = await browser.submit(page, { email: 'someone@contoso.example' });
  expect(parseForms(password.body)[0]?.action).toMatch(/\/login$/);
  return observe(await postForm(browser, password, { email, password: 'not the password 1' }), [email]);
}

describe('the sign-in pages', () => {
  it('the email page answers a member with a password exactly as an address of the member domain with no account', async () => {
    const nobody = await afterIdentify('nope@contoso.example');
    expect(nobody.body).toContain('/login');
    expect(await afterIdentify('kept@contoso.example')).toEqual(nobody);
    expect(await afterIdentify('gone@contoso.example')).toEqual(nobody);
  });

  it('the password form answers a wrong password for an existing, a disabled, a guest’s and an unknown address alike', async () => {
    const nobody = await afterWrongPassword('nope@contoso.example');
    expect(nobody.status).toBe(401);
    for (const email of ['kept@contoso.example', 'gone@contoso.example', 'gwen@partner.example', 'pia@elsewhere.example']) {
      expect([email, await afterWrongPassword(email)]).toEqual([email, nobody]);
    }
  });

  it('the email page sends a redeemed guest and an unknown address of a federated domain to the same IdP, the same way', async () => {
    const nobody = await afterIdentify('nope@partner.example');
    expect(nobody.status).toBe(303);
    expect(nobody.location).toContain(world.partner.issuer);
    expect(await afterIdentify('gwen@partner.example')).toEqual(nobody);
  });

  it('the email page answers an invited address of an unfederated domain as any other such address (a passcode is sent to both)', async () => {
    const nobody = await afterIdentify('nope@elsewhere.example');
    expect(nobody.status).toBe(200);
    expect(await afterIdentify('pia@elsewhere.example')).toEqual(nobody);
  });

  it('the email page does not reveal a guest who signs in with another organisation’s account for an address of an unfederated domain', async () => {
    const nobody = await afterIdentify('nope@elsewhere.example');
    expect(await afterIdentify('carl@elsewhere.example')).toEqual(nobody);
  });
});

describe('the redemption page and the API', () => {
  it('the redemption page takes a ticket, never an address; an unknown ticket and a malformed one look the same', async () => {
    const unknown = await observe(await new Browser().request(`${issuer}/redeem?t=${randomBytes(32).toString('base64url')}`), []);
    const malformed = await observe(await new Browser().request(`${issuer}/redeem?t=kept@contoso.example`), ['kept@contoso.example']);
    expect(unknown.status).toBe(404);
    expect(malformed).toEqual(unknown);
  });

  it('an app without User.Read.All learns nothing about whether a user id or an address exists', async () => {
    const kept = (await world.foyer.foyer.users.findByEmail('kept@contoso.example'))!.id;
    const ask = async (path: string, typed: string[]) => {
      const res = await fetch(`${issuer}/v1.0${path}`, { headers: { authorization: `Bearer ${nothingApp}` } });
      return observe(res, typed);
    };
    const nobody = await ask(`/users/${randomUUID()}`, []);
    expect(nobody.status).toBe(403);
    expect(await ask(`/users/${kept}`, [])).toEqual(nobody);
    const filter = (mail: string) => `/users?$filter=${encodeURIComponent(`mail eq '${mail}'`)}`;
    expect(await ask(filter('kept@contoso.example'), ['kept@contoso.example'])).toEqual(await ask(filter('nope@contoso.example'), ['nope@contoso.example']));
  });
});
