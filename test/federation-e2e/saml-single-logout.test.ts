/**
 * SAML single logout started by the partner's IdP: a signed LogoutRequest (HTTP-Redirect) at
 * /federation/:idpId/slo ends the guest's Foyer session (the next app sign-in in that browser goes
 * back to the IdP instead of single sign-on) and the browser returns to the IdP with a signed
 * LogoutResponse. Attacks: an unsigned request (anyone could send a guest such a link), one signed
 * by another key, and a replayed one are refused, and none of them ends anything; the same request
 * delivered several times at once is used by exactly one delivery (on PostgreSQL the deliveries
 * overlap on several connections; a check-then-remember let more than one through there).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Browser, errorCodeOf, headingOf, parseForms } from '../support/browserless.js';
import { WEB_APP, startAuthorization, webAppClient } from '../support/oidc-client.js';
import type { SamlIdp } from '../support/saml-idp.js';
import { describeWithPostgres, freshPostgresSchema } from '../support/real-servers.js';
import { APP_URL, useWorld } from '../support/world.js';

describe('on SQLite', () => suite(() => ({})));
describeWithPostgres('on PostgreSQL (a pool of connections: deliveries really overlap)', () => {
  const pg = freshPostgresSchema();
  suite(() => ({ databaseUrl: pg.url }));
});

function suite(storage: () => { databaseUrl?: string }) {
  const world = useWorld(() => ({
    ...storage(),
    saml: [{ id: 'contoso', displayName: 'Contoso', domains: ['contoso.example'] }],
    portal: true,
    customize: (config) => void (config.tenant = { displayName: 'Northwind', memberDomains: ['northwind.example'] }),
  }));
  let saml: SamlIdp;
  beforeAll(() => {
    saml = world.saml.contoso!;
  });

  /** A guest redeemed through SAML, and the browser they did it in (holding a Foyer session). */
  async function signedInGuest(login: string) {
    const { redeemUrl, userId } = await world.invite(`${login}@contoso.example`);
    const browser = new Browser();
    const review = await browser.navigate(redeemUrl);
    const loginPage = await browser.submit(review, {}, { stopAt: [APP_URL] });
    const acs = `${world.issuer}/federation/contoso/acs`;
    const posted = await browser.submit(loginPage, { login }, { stopAt: [acs] });
    const form = parseForms(posted.body)[0]!;
    const landed = await browser.navigate(acs, { init: { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form.fields) }, stopAt: [APP_URL] });
    expect(landed.stoppedAt).toBe(APP_URL);
    return { browser, userId };
  }

  /** An app sign-in through the IdP in this browser (identifier first, then the IdP's form). */
  async function signInAgain(browser: Browser, login: string) {
    const pending = await startAuthorization(await webAppClient(world.issuer), { login_hint: `${login}@contoso.example` });
    const loginPage = await browser.navigate(pending.url.toString(), { stopAt: [WEB_APP.redirectUri] });
    const acs = `${world.issuer}/federation/contoso/acs`;
    const posted = await browser.submit(loginPage, { login }, { stopAt: [acs] });
    const form = parseForms(posted.body)[0]!;
    const done = await browser.navigate(acs, { init: { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form.fields) }, stopAt: [WEB_APP.redirectUri] });
    expect(done.stoppedAt?.startsWith(WEB_APP.redirectUri)).toBe(true);
  }

  /** Whether an app sign-in in this browser completes by single sign-on, without going to the IdP. */
  async function hasSession(browser: Browser): Promise<boolean> {
    const pending = await startAuthorization(await webAppClient(world.issuer), {});
    const page = await browser.navigate(pending.url.toString(), { stopAt: [WEB_APP.redirectUri, saml.ssoUrl] });
    return Boolean(page.stoppedAt?.startsWith(WEB_APP.redirectUri));
  }

  const nameIdOf = (login: string) => `c0ffee-${login}-persistent`;

  describe('SAML single logout from the IdP', () => {
    it('ends the guest session on a signed LogoutRequest and answers the IdP with a signed LogoutResponse', async () => {
      const { browser } = await signedInGuest('alice');
      expect(await hasSession(browser)).toBe(true);
      const done = await browser.navigate(saml.logoutRequestUrl(nameIdOf('alice'), { relayState: 'idp-state' }));
      expect(done.url.startsWith(saml.sloUrl)).toBe(true);
      expect(headingOf(done.body)).toBe('Signed out everywhere');
      const response = saml.logoutResponses.at(-1)!;
      expect(response).toContain('urn:oasis:names:tc:SAML:2.0:status:Success');
      // HTTP-Redirect binding: the signature is over the query, not inside the XML.
      const back = new URL(done.url).searchParams;
      expect(back.get('Signature')).toBeTruthy();
      expect(back.get('SigAlg')).toBe('http://www.w3.org/2001/04/xmldsig-more#rsa-sha256');
      expect(back.get('RelayState')).toBe('idp-state');
      expect(await hasSession(browser)).toBe(false);
    });

    it('refuses an unsigned LogoutRequest and ends nothing', async () => {
      const { browser } = await signedInGuest('bob');
      const page = await new Browser().navigate(saml.logoutRequestUrl(nameIdOf('bob'), { unsigned: true }));
      expect(page.status).toBe(400);
      expect(errorCodeOf(page.body)).toBe('invalid_signature');
      expect(await hasSession(browser)).toBe(true);
    });

    it('refuses a LogoutRequest whose signature is not the IdP and one replayed, ending nothing more', async () => {
      const { browser } = await signedInGuest('dave');
      const signed = new URL(saml.logoutRequestUrl(nameIdOf('dave')));
      const forged = new URL(signed);
      forged.searchParams.set('Signature', Buffer.from('not the IdP signature').toString('base64'));
      const page = await new Browser().navigate(forged.href);
      expect([page.status, errorCodeOf(page.body)]).toEqual([400, 'invalid_signature']);
      expect(await hasSession(browser)).toBe(true);

      // Used once (the guest signs out), then the same request again after they signed back in.
      await new Browser().navigate(signed.href);
      expect(await hasSession(browser)).toBe(false);
      await signInAgain(browser, 'dave');
      expect(await hasSession(browser)).toBe(true);
      const replay = await new Browser().navigate(signed.href);
      expect([replay.status, errorCodeOf(replay.body)]).toEqual([400, 'invalid_response']);
      expect(await hasSession(browser)).toBe(true);
    });

    it('the same LogoutRequest delivered several times at once: exactly one delivery uses it, the others are refused', async () => {
      // alice, redeemed in the first test, signs in again in a fresh browser.
      const browser = new Browser();
      await signInAgain(browser, 'alice');
      expect(await hasSession(browser)).toBe(true);
      const logouts = () => world.foyer.foyer.db('audit_log').where({ activity: 'Single logout' });
      const before = (await logouts()).length;
      const signed = saml.logoutRequestUrl(nameIdOf('alice'));
      // Raw requests, all sent before any is answered (a browser would follow the redirect to the IdP).
      const deliveries = await Promise.all(Array.from({ length: 10 }, () => fetch(signed, { redirect: 'manual', headers: { accept: 'text/html' } })));
      const outcomes = await Promise.all(deliveries.map(async (res) => (res.status === 303 && res.headers.get('location')?.startsWith(saml.sloUrl) ? 'used' : `${res.status} ${errorCodeOf(await res.text())}`)));
      expect(outcomes.sort()).toEqual([...Array<string>(9).fill('400 invalid_response'), 'used']);
      expect(await logouts()).toHaveLength(before + 1);
      expect(await hasSession(browser)).toBe(false);
    });
  });
}
