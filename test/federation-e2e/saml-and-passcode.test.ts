import { beforeAll, describe, expect, it } from 'vitest';
import { api, appToken } from '../support/api-client.js';
import { Browser, errorCodeOf, headingOf, parseForms } from '../support/browserless.js';
import { WEB_APP, finishAuthorization, startAuthorization, webAppClient } from '../support/oidc-client.js';
import type { SamlIdp } from '../support/saml-idp.js';
import type { SmtpSink } from '../support/smtp-sink.js';
import type { RunningFoyer } from '../support/start-foyer.js';
import { APP_URL, useWorld } from '../support/world.js';

const world = useWorld({
  saml: [{ id: 'contoso', displayName: 'Contoso', domains: ['contoso.example'] }],
  smtp: true,
  portal: true,
  // The SAML partner's users are @contoso.example, so the host here is someone else.
  customize: (config) => void (config.tenant = { displayName: 'Northwind', memberDomains: ['northwind.example'] }),
});
let saml: SamlIdp;
let sink: SmtpSink;
let foyer: RunningFoyer;
let token: string;

beforeAll(async () => {
  ({ foyer, smtp: sink } = world);
  saml = world.saml.contoso!;
  const metadata = await fetch(`${foyer.issuer}/federation/contoso/metadata`);
  expect(metadata.headers.get('content-type')).toContain('samlmetadata+xml');
  token = await appToken(foyer.issuer, 'portal-app');
});

const invite = (email: string) => world.invite(email);

/** Redemption page → accept → (SAML IdP login form, or whatever Foyer shows next). */
async function accept(browser: Browser, redeemUrl: string) {
  const page = await browser.navigate(redeemUrl);
  expect(headingOf(page.body)).toBe('Review permissions');
  return browser.submit(page, {}, { stopAt: [APP_URL] });
}

/** At the SAML IdP: log in as `login`; the IdP's self-posting form goes to Foyer's ACS. */
async function signInAtSaml(browser: Browser, loginPage: Awaited<ReturnType<Browser['navigate']>>, login: string) {
  expect(loginPage.url.startsWith(saml.ssoUrl)).toBe(true);
  const acs = `${foyer.issuer}/federation/contoso/acs`;
  const posted = await browser.submit(loginPage, { login }, { stopAt: [acs] });
  const form = parseForms(posted.body)[0]!;
  expect(form.action).toBe(acs);
  return browser.navigate(acs, { init: { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form.fields) }, stopAt: [APP_URL, WEB_APP.redirectUri] });
}

describe('a guest from a SAML 2.0 IdP', () => {
  it('redeems through SAML (signed AuthnRequest, POST binding) and later signs in to the app by SSO and afresh', async () => {
    const { userId, redeemUrl } = await invite('alice@contoso.example');
    const browser = new Browser();
    const landed = await signInAtSaml(browser, await accept(browser, redeemUrl), 'alice');
    expect(landed.stoppedAt).toBe(APP_URL);
    const user = await api(foyer.issuer, token, 'GET', `/users/${userId}`);
    expect(user.body).toMatchObject({ externalUserState: 'Accepted', identities: [{ issuer: saml.entityId, issuerAssignedId: 'c0ffee-alice-persistent', identityProvider: 'contoso' }] });

    // A new browser: identifier first → SAML → back, signed in as the same guest.
    const config = await webAppClient(foyer.issuer);
    const pending = await startAuthorization(config, { login_hint: 'alice@contoso.example' });
    const fresh = new Browser();
    const idpPage = await fresh.navigate(pending.url.toString(), { stopAt: [WEB_APP.redirectUri] });
    const done = await signInAtSaml(fresh, idpPage, 'alice');
    expect(done.stoppedAt).toBeTruthy();
    const tokens = await finishAuthorization(config, done.stoppedAt!, pending);
    expect(tokens.claims()!.sub).toBe(userId);
  });

  it('ends an expired assertion on a clear page, logs it, and links nothing', async () => {
    const { userId, redeemUrl } = await invite('bob@contoso.example');
    saml.setVariant('expired');
    try {
      const browser = new Browser();
      const page = await signInAtSaml(browser, await accept(browser, redeemUrl), 'bob');
      expect([page.status, errorCodeOf(page.body)]).toEqual([400, 'expired_assertion']);
    } finally {
      saml.setVariant('valid');
    }
    expect(await foyer.foyer.db('identities').where({ user_id: userId })).toHaveLength(0);
    expect((await foyer.foyer.db('users').where({ id: userId }).first()).external_user_state).toBe('PendingAcceptance');
    const logged = await foyer.foyer.db('audit_log').where({ activity: 'Upstream sign-in', result: 'failure', result_reason: 'expired_assertion' });
    expect(logged).toHaveLength(1);
  });
});

describe('a guest with no IdP for their domain', () => {
  it('redeems with an emailed one-time passcode and signs in with one later', async () => {
    const { userId, redeemUrl } = await invite('dana@nowhere.example');
    const browser = new Browser();
    // Accepting lands on a page that offers the code: only the person's own POST mails one.
    const offer = await accept(browser, redeemUrl);
    expect(headingOf(offer.body)).toBe('Confirm your email address');
    const codePage = await browser.submit(offer, {});
    expect(headingOf(codePage.body)).toBe('Enter the code we emailed you');
    const code = /\b(\d{6})\b/.exec((await sink.waitForMessage('dana@nowhere.example')).text)![1]!;
    const landed = await browser.submit(codePage, { code }, { stopAt: [APP_URL] });
    expect(landed.stoppedAt).toBe(APP_URL);
    expect((await api(foyer.issuer, token, 'GET', `/users/${userId}`)).body).toMatchObject({ externalUserState: 'Accepted', identities: [{ identityProvider: 'email-otp' }] });

    const config = await webAppClient(foyer.issuer);
    const pending = await startAuthorization(config, { login_hint: 'dana@nowhere.example' });
    const fresh = new Browser();
    const offered = await fresh.navigate(pending.url.toString(), { stopAt: [WEB_APP.redirectUri] });
    const again = await fresh.submit(offered, {});
    const replayed = await fresh.submit(again, { code }, { stopAt: [WEB_APP.redirectUri] });
    expect(replayed.status).toBe(400); // the first code was used up
    const code2 = /\b(\d{6})\b/.exec((await sink.waitForMessage('dana@nowhere.example')).text)![1]!;
    const done = await fresh.submit(replayed, { code: code2 }, { stopAt: [WEB_APP.redirectUri] });
    const tokens = await finishAuthorization(config, done.stoppedAt!, pending);
    expect(tokens.claims()).toMatchObject({ sub: userId, amr: ['otp'] });
  });

  it('mails no code to someone who was never invited, lets no guessed code in, and creates no user', async () => {
    const config = await webAppClient(foyer.issuer);
    const pending = await startAuthorization(config, { login_hint: 'stranger@nowhere.example' });
    const browser = new Browser();
    const offer = await browser.navigate(pending.url.toString(), { stopAt: [WEB_APP.redirectUri] });
    const mailed = sink.messages.length;
    const codePage = await browser.submit(offer, {});
    // The page an invited guest sees, but no mail: a code could only end in "not invited".
    expect(headingOf(codePage.body)).toBe('Enter the code we emailed you');
    expect(sink.messages.length).toBe(mailed);
    const page = await browser.submit(codePage, { code: '123456' }, { stopAt: [WEB_APP.redirectUri] });
    expect(page.stoppedAt).toBeUndefined();
    expect(page.status).toBeGreaterThanOrEqual(400);
    expect(await foyer.foyer.db('users').where({ mail_normalized: 'stranger@nowhere.example' })).toHaveLength(0);
  });
});
