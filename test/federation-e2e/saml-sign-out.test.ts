/**
 * SAML single logout started at Foyer: a guest who signed in through a SAML IdP with `sloUrl`
 * signs out of an app (RP-initiated logout, "Yes, sign me out"); Foyer ends its session, sends the
 * IdP a signed LogoutRequest (HTTP-Redirect) naming the NameID and SessionIndex of that sign-in,
 * and, on the IdP's signed LogoutResponse, finishes at the app's post_logout_redirect_uri.
 * Attacks: an unsigned LogoutResponse, one answering another request, and a replayed one are
 * refused and never reach the app as a completed logout.
 */
import { inflateRawSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { Browser, errorCodeOf, parseForms } from '../support/browserless.js';
import { WEB_APP, startAuthorization, webAppClient } from '../support/oidc-client.js';
import type { SamlIdp } from '../support/saml-idp.js';
import { APP_URL, useWorld } from '../support/world.js';

const guest = (login: string) => ({ nameId: `c0ffee-${login}-persistent`, email: `${login}@contoso.example`, name: `${login} Contoso`, classRef: 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport' });
const world = useWorld({
  saml: [{ id: 'contoso', displayName: 'Contoso', domains: ['contoso.example'], idp: { users: Object.fromEntries(['erin', 'frank', 'grace', 'heidi'].map((l) => [l, guest(l)])) } }],
  portal: true,
  customize: (config) => void (config.tenant = { displayName: 'Northwind', memberDomains: ['northwind.example'] }),
});
let saml: SamlIdp;
beforeAll(() => {
  saml = world.saml.contoso!;
});

/** A guest redeemed through SAML, and the browser they did it in (holding a Foyer session). */
async function signedInGuest(login: string) {
  const { redeemUrl } = await world.invite(`${login}@contoso.example`);
  const browser = new Browser();
  const review = await browser.navigate(redeemUrl);
  const loginPage = await browser.submit(review, {}, { stopAt: [APP_URL] });
  const acs = `${world.issuer}/federation/contoso/acs`;
  const posted = await browser.submit(loginPage, { login }, { stopAt: [acs] });
  const form = parseForms(posted.body)[0]!;
  // The SessionIndex the IdP gave this sign-in: the LogoutRequest must name it.
  const assertion = Buffer.from(form.fields.SAMLResponse!, 'base64').toString('utf8');
  const sessionIndex = /SessionIndex="([^"]+)"/.exec(assertion)![1]!;
  const landed = await browser.navigate(acs, { init: { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form.fields) }, stopAt: [APP_URL] });
  expect(landed.stoppedAt).toBe(APP_URL);
  return { browser, sessionIndex };
}

/** Whether an app sign-in in this browser completes by single sign-on, without going to the IdP. */
async function hasSession(browser: Browser): Promise<boolean> {
  const pending = await startAuthorization(await webAppClient(world.issuer), {});
  const page = await browser.navigate(pending.url.toString(), { stopAt: [WEB_APP.redirectUri, saml.ssoUrl] });
  return Boolean(page.stoppedAt?.startsWith(WEB_APP.redirectUri));
}

/** The app's sign-out: Foyer's confirmation page, then "Yes, sign me out". */
async function signOut(browser: Browser) {
  const url = new URL(`${world.issuer}/session/end`);
  url.search = new URLSearchParams({ client_id: WEB_APP.id, post_logout_redirect_uri: WEB_APP.postLogoutRedirectUri, state: 'bye-123' }).toString();
  const confirm = await browser.navigate(url.href);
  return browser.submit(confirm, { logout: 'yes' }, { stopAt: [WEB_APP.postLogoutRedirectUri] });
}

describe('SAML single logout started at Foyer', () => {
  it('sends the IdP a signed LogoutRequest for the sign-in, then finishes at the app on its signed LogoutResponse', async () => {
    saml.answerLogoutWith('signed');
    const { browser, sessionIndex } = await signedInGuest('erin');
    const before = saml.logoutRequests.length;
    const done = await signOut(browser);
    expect(done.stoppedAt).toBeDefined();
    const back = new URL(done.stoppedAt!);
    expect(`${back.origin}${back.pathname}`).toBe(WEB_APP.postLogoutRedirectUri);
    expect(back.searchParams.get('state')).toBe('bye-123');

    // The IdP received exactly one LogoutRequest (its signature checked there) naming this sign-in.
    expect(saml.logoutRequests).toHaveLength(before + 1);
    const request = saml.logoutRequests.at(-1)!;
    expect(request).toContain('>c0ffee-erin-persistent</saml:NameID>');
    expect(request).toContain(`>${sessionIndex}</saml2p:SessionIndex>`);
    const sent = new URL(saml.logoutAnswers.at(-1)!);
    expect(sent.pathname).toBe('/federation/contoso/slo');
    expect(await hasSession(browser)).toBe(false);
  });

  it('refuses an unsigned LogoutResponse: the browser never reaches the app as signed out there', async () => {
    saml.answerLogoutWith('unsigned');
    try {
      const { browser } = await signedInGuest('frank');
      const done = await signOut(browser);
      expect(done.stoppedAt).toBeUndefined();
      expect([done.status, errorCodeOf(done.body)]).toEqual([400, 'invalid_signature']);
      // Foyer's own session ended before the browser left for the IdP.
      expect(await hasSession(browser)).toBe(false);
    } finally {
      saml.answerLogoutWith('signed');
    }
  });

  it('refuses a signed LogoutResponse answering another request, and a replayed one', async () => {
    saml.answerLogoutWith('wrong-in-response-to');
    try {
      const { browser } = await signedInGuest('grace');
      const done = await signOut(browser);
      expect(done.stoppedAt).toBeUndefined();
      expect([done.status, errorCodeOf(done.body)]).toEqual([400, 'in_response_to_mismatch']);
    } finally {
      saml.answerLogoutWith('signed');
    }

    const { browser } = await signedInGuest('heidi');
    const done = await signOut(browser);
    expect(done.stoppedAt).toBeDefined();
    const answer = saml.logoutAnswers.at(-1)!;
    const xml = inflateRawSync(Buffer.from(new URL(answer).searchParams.get('SAMLResponse')!, 'base64')).toString('utf8');
    expect(xml).toContain('urn:oasis:names:tc:SAML:2.0:status:Success');
    const replay = await new Browser().navigate(answer, { stopAt: [WEB_APP.postLogoutRedirectUri] });
    expect(replay.stoppedAt).toBeUndefined();
    expect([replay.status, errorCodeOf(replay.body)]).toEqual([400, 'in_response_to_mismatch']);
  });
});
