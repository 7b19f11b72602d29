import { beforeAll, describe, expect, it } from 'vitest';
import { Browser, errorCodeOf, headingOf, leakedInternals, parseForms, type Page } from '../support/browserless.js';
import { GITHUB_USERS } from '../support/fake-github.js';
import { finishAuthorization, startAuthorization, WEB_APP, webAppClient } from '../support/oidc-client.js';
import type { PartnerUser } from '../support/partner-idp.js';
import { useWorld } from '../support/world.js';
import { ScimDriver, scimToken } from './scim-driver.js';

/**
 * Cross-tenant synchronization's guests sign in through their partner's own IdP: no invitation, no
 * mail, and no `trustedForDomains` on that IdP. The first sign-in with the provisioned address
 * proven links the IdP's (issuer, subject) once; the same address from anywhere else links nothing.
 * Real peers: Fabrikam's and Northwind's oidc-providers, a fake GitHub, an SMTP server.
 */
const fabrikamSync = scimToken();
const verified = (sub: string, email: string): PartnerUser => ({ sub, email, emailVerified: true, name: sub, amr: ['pwd'] });
const FABRIKAM_USERS: Record<string, PartnerUser> = {
  ann: verified('ann-1', 'ann@fabrikam.example'),
  // Fabrikam renumbers Ann (or an admin there points a second account at her address).
  annAgain: verified('ann-2', 'ann@fabrikam.example'),
  beaUnverified: { sub: 'bea-unverified', email: 'bea@fabrikam.example', emailVerified: false, name: 'Bea?', amr: ['pwd'] },
  bea: verified('bea-1', 'bea@fabrikam.example'),
  dee: verified('dee-1', 'dee@fabrikam.example'),
};
// Another partner's IdP, trusted for its own domain, whose user claims Bea's address.
const NORTHWIND_USERS: Record<string, PartnerUser> = { mallory: verified('mallory-1', 'bea@fabrikam.example') };
// A GitHub account whose verified primary email is Bea's address.
GITHUB_USERS.beahub = { id: 2000001, login: 'beahub', name: 'Bea', emails: [{ email: 'bea@fabrikam.example', primary: true, verified: true }] };

const world = useWorld({
  oidc: [
    { id: 'fabrikam', users: FABRIKAM_USERS },
    { id: 'northwind', users: NORTHWIND_USERS, entry: { trustedForDomains: true } },
  ],
  github: true,
  smtp: true,
  customize: (config) => {
    config.partners = [
      { id: 'fabrikam', displayName: 'Fabrikam', domains: ['fabrikam.example'], identityProviders: ['fabrikam', 'github', 'email-otp'] },
      { id: 'northwind', displayName: 'Northwind', domains: ['northwind.example'], identityProviders: ['northwind'] },
    ];
    config.scim = { clients: [{ id: 'fabrikam-sync', tokenSha256: fabrikamSync.sha256, provisions: 'guests', partner: 'fabrikam' }] };
  },
});

const db = () => world.foyer.foyer.db;
const scim = () => new ScimDriver(world.issuer, fabrikamSync.token);
const ids: Record<string, string> = {};

beforeAll(async () => {
  for (const mail of ['ann@fabrikam.example', 'bea@fabrikam.example', 'dee@fabrikam.example']) {
    const created = await scim().createUser(mail);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    ids[mail] = created.body.id as string;
  }
});

/** Everything a sign-in could write for a user: the row, its identities, link audits, invitations. */
async function written(userId: string) {
  return {
    user: await db()('users').where({ id: userId }).first(),
    identities: await db()('identities').where({ user_id: userId }).select('idp_id', 'subject'),
    links: await db()('audit_log').where({ activity: 'Link identity', target_id: userId }).select('id'),
    invitations: await db()('invitations').where({ user_id: userId }).select('id'),
  };
}

/** Opens the web app's sign-in and enters `email` on the identify page. */
async function identify(browser: Browser, email: string) {
  const config = await webAppClient(world.issuer);
  const pending = await startAuthorization(config);
  const page = await browser.navigate(pending.url.toString(), { stopAt: [WEB_APP.redirectUri] });
  return { config, pending, page: await browser.submit(page, { email }, { stopAt: [WEB_APP.redirectUri] }) };
}

/** On the choose-idp page, presses the button for `idpId`. */
function choose(browser: Browser, page: Page, idpId: string) {
  const index = parseForms(page.body).findIndex((f) => f.action.endsWith(`/idp/${idpId}`));
  expect(index, page.body.slice(0, 800)).toBeGreaterThanOrEqual(0);
  return browser.submit(page, {}, { index, stopAt: [WEB_APP.redirectUri] });
}

/** A sign-in through Fabrikam's IdP as `login` (typed address `email`). */
async function throughFabrikam(email: string, login: string) {
  const browser = new Browser();
  const start = await identify(browser, email);
  const partner = await choose(browser, start.page, 'fabrikam');
  return { ...start, page: await browser.submit(partner, { login }, { stopAt: [WEB_APP.redirectUri] }) };
}

function expectRefused(page: Page & { stoppedAt?: string }, status: number, code: string) {
  expect(page.stoppedAt, page.body.slice(0, 600)).toBeUndefined();
  expect(page.status, page.body.slice(0, 600)).toBe(status);
  expect(errorCodeOf(page.body)).toBe(code);
  expect(leakedInternals(page.body)).toBeUndefined();
}

describe('a partner-provisioned guest signs in through the partner’s own IdP', () => {
  it('provisioning records the partner and sends no mail', async () => {
    expect(await written(ids['ann@fabrikam.example']!)).toMatchObject({ user: { provisioned_by_partner: 'fabrikam', external_user_state: 'Accepted', user_type: 'Guest' }, identities: [], invitations: [] });
    expect(world.smtp.messages).toHaveLength(0);
  });

  it('first sign-in links the IdP’s (issuer, subject) once, without an invitation or trustedForDomains; the next one just signs in', async () => {
    const userId = ids['ann@fabrikam.example']!;
    const first = await throughFabrikam('ann@fabrikam.example', 'ann');
    expect(first.page.stoppedAt, first.page.body.slice(0, 800)).toContain('code=');
    const tokens = await finishAuthorization(first.config, first.page.stoppedAt!, first.pending);
    expect(tokens.claims()).toMatchObject({ sub: userId, email: 'ann@fabrikam.example' });
    const after = await written(userId);
    expect(after.identities).toEqual([{ idp_id: 'fabrikam', subject: 'ann-1' }]);
    expect(after.invitations).toEqual([]);
    const audit = await db()('audit_log').where({ activity: 'Link identity', target_id: userId }).first();
    expect(JSON.parse(audit.details)).toMatchObject({ idp: 'fabrikam', partner: 'fabrikam', reason: expect.stringContaining('SCIM') });
    expect(world.smtp.messages).toHaveLength(0);

    const again = await throughFabrikam('ann@fabrikam.example', 'ann');
    expect(again.page.stoppedAt).toContain('code=');
    expect((await written(userId)).identities).toEqual([{ idp_id: 'fabrikam', subject: 'ann-1' }]);
    expect(await db()('audit_log').where({ activity: 'Link identity', target_id: userId })).toHaveLength(1);
  });
});

describe('the same address from anywhere else is not linked (refused, nothing written)', () => {
  it('a second, different subject from the same IdP for the linked guest: upstreamIdentifierChanged (409)', async () => {
    const userId = ids['ann@fabrikam.example']!;
    const before = await written(userId);
    const { page } = await throughFabrikam('ann@fabrikam.example', 'annAgain');
    expectRefused(page, 409, 'upstreamIdentifierChanged');
    expect(await written(userId)).toEqual(before);
  });

  it('another partner’s IdP (trusted for its own domain) claiming the address', async () => {
    const userId = ids['bea@fabrikam.example']!;
    const before = await written(userId);
    const browser = new Browser();
    const { page: northwind } = await identify(browser, 'mallory@northwind.example');
    const page = await browser.submit(northwind, { login: 'mallory' }, { stopAt: [WEB_APP.redirectUri] });
    expectRefused(page, 403, 'noInvitation');
    expect(await written(userId)).toEqual(before);
  });

  it('GitHub with the address as its verified primary email', async () => {
    const userId = ids['bea@fabrikam.example']!;
    const before = await written(userId);
    world.github.signInAs('beahub');
    const browser = new Browser();
    const { page: chooser } = await identify(browser, 'bea@fabrikam.example');
    const page = await choose(browser, chooser, 'github');
    expectRefused(page, 403, 'noInvitation');
    expect(await written(userId)).toEqual(before);
  });

  it('the email passcode: no code is even mailed (no invitation, no identity to sign in with), and a guessed code signs nobody in', async () => {
    const userId = ids['bea@fabrikam.example']!;
    const before = await written(userId);
    const mailed = world.smtp.messages.length;
    const browser = new Browser();
    const { page: chooser } = await identify(browser, 'bea@fabrikam.example');
    const codePage = await choose(browser, chooser, 'email-otp');
    // The same page as for an address that gets a code (test/attacks/passcode-to-strangers.test.ts), but no mail.
    expect(headingOf(codePage.body)).toBe('Enter the code we emailed you');
    expect(world.smtp.messages.length).toBe(mailed);
    const page = await browser.submit(codePage, { code: '123456' }, { stopAt: [WEB_APP.redirectUri] });
    expect(page.stoppedAt).toBeUndefined();
    expect(page.status).toBeGreaterThanOrEqual(400);
    expect(await written(userId)).toEqual(before);
  });

  it('the partner’s own IdP with the address unverified', async () => {
    const userId = ids['bea@fabrikam.example']!;
    const before = await written(userId);
    const { page } = await throughFabrikam('bea@fabrikam.example', 'beaUnverified');
    expectRefused(page, 403, 'noInvitation');
    expect(await written(userId)).toEqual(before);
  });

  it('after all that, the real Bea still signs in through Fabrikam', async () => {
    const { page } = await throughFabrikam('bea@fabrikam.example', 'bea');
    expect(page.stoppedAt, page.body.slice(0, 800)).toContain('code=');
    expect((await written(ids['bea@fabrikam.example']!)).identities).toEqual([{ idp_id: 'fabrikam', subject: 'bea-1' }]);
  });
});

describe('a guest deactivated by SCIM (active false) cannot sign in', () => {
  const deactivate = async (mail: string) => {
    const answer = await scim().patch(`/Users/${ids[mail]}`, [{ op: 'replace', path: 'active', value: false }]);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  };

  it('before its first sign-in: refused, not linked', async () => {
    await deactivate('dee@fabrikam.example');
    const userId = ids['dee@fabrikam.example']!;
    const before = await written(userId);
    const { page } = await throughFabrikam('dee@fabrikam.example', 'dee');
    expectRefused(page, 403, 'accountDisabled');
    expect(await written(userId)).toEqual(before);
    expect(before.identities).toEqual([]);
  });

  it('after it was linked: refused, nothing written', async () => {
    await deactivate('ann@fabrikam.example');
    const userId = ids['ann@fabrikam.example']!;
    const before = await written(userId);
    const { page } = await throughFabrikam('ann@fabrikam.example', 'ann');
    expectRefused(page, 403, 'accountDisabled');
    expect(await written(userId)).toEqual(before);
  });
});
