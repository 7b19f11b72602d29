import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, parseForms } from '../support/browserless.js';
import { APP_URL } from '../support/world.js';
import { WEB_APP, startAuthorization, webAppClient } from '../support/oidc-client.js';
import type { SamlUser } from '../support/saml-idp.js';
import { UNTOUCHED_INVITEE, expectRefused, startSamlAttackWorld, type SamlAttackWorld } from './support/saml-attack-world.js';

/**
 * IdP-initiated SAML sign-in (allowIdpInitiated, src/interaction/idp-initiated.ts). Contoso opted in
 * for the web app, Fabrikam opted in but its organisation is blocked, Litware did not opt in. Every
 * SAMLResponse is genuine, unsolicited and signed by its IdP; what is wrong is who posts it, where
 * and how often. The attacker's main move is login CSRF: their own valid response posted from their
 * page into the victim's browser, to sign the victim into the attacker's account.
 */
const AC = 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport';
const user = (name: string, domain: string): SamlUser => ({ nameId: `c0ffee-${name}`, email: `${name}@${domain}`, name, classRef: AC });
const CONTOSO = { erin: user('erin', 'contoso.example'), frank: user('frank', 'contoso.example'), grace: user('grace', 'contoso.example'), hana: user('hana', 'contoso.example') };

let world: SamlAttackWorld;
const ids: Record<string, string> = {};

beforeAll(async () => {
  world = await startSamlAttackWorld(
    [
      { id: 'contoso', displayName: 'Contoso', domain: 'contoso.example', idp: { users: CONTOSO }, foyer: { allowIdpInitiated: { app: WEB_APP.id } } },
      { id: 'fabrikam', displayName: 'Fabrikam', domain: 'fabrikam.example', idp: { users: { bob: user('bob', 'fabrikam.example') } }, foyer: { allowIdpInitiated: { app: WEB_APP.id } } },
      { id: 'litware', displayName: 'Litware', domain: 'litware.example', idp: { users: { lou: user('lou', 'litware.example') } } },
    ],
    (config) => {
      config.partners = [{ id: 'fabrikam', displayName: 'Fabrikam', domains: ['fabrikam.example'], b2bCollaborationInbound: { usersAndGroups: { accessType: 'blocked', targets: ['AllUsers'] } } }];
    },
  );
  for (const [name, u] of Object.entries(CONTOSO)) ids[name] = await world.invite(u.email);
  ids.lou = await world.invite('lou@litware.example');
}, 60_000);
afterAll(() => world?.close());

const assertionRows = () => world.foyer.foyer.db('saml_assertion_ids').count<{ n: number }[]>({ n: '*' }).then((r) => Number(r[0]!.n));

/** The app starts its own sign-in in this browser, as its launchUrl does; Foyer answers with a page. */
async function appSignIn(browser: Browser) {
  const authorization = await startAuthorization(await webAppClient(world.issuer));
  const page = await browser.navigate(authorization.url.toString(), { stopAt: [WEB_APP.redirectUri] });
  return { authorization, page };
}

describe('IdP-initiated sign-in', () => {
  it('happy path: the unsolicited response sends the browser to the app, which shows "Continue as …?"; after the POST the guest is signed in at the app', async () => {
    const browser = new Browser();
    const form = await world.partners.contoso!.idp.unsolicitedResponse('erin');
    const landed = await world.deliver(browser, form);
    expect(landed.stoppedAt).toBe(APP_URL);
    // Nothing is decided yet: no identity linked, no session.
    expect(await world.stateOf(ids.erin!)).toEqual(UNTOUCHED_INVITEE);

    const { authorization, page } = await appSignIn(browser);
    expect(page.body).toContain('Continue as');
    expect(page.body).toContain('erin@contoso.example');
    const done = await browser.submit(page, {}, { stopAt: [WEB_APP.redirectUri] });
    expect((await world.appTokens(done, authorization)).sub).toBe(ids.erin);
    expect(await world.stateOf(ids.erin!)).toMatchObject({ identities: ['contoso:c0ffee-erin'], invitations: ['Completed'], sessions: 1 });
  });

  it('is still offered when the app’s own request carries a login_hint that decides the IdP (/auth leaves it to the page)', async () => {
    const hinted = async (browser: Browser) => browser.navigate((await startAuthorization(await webAppClient(world.issuer), { login_hint: 'hana@contoso.example' })).url.toString(), { stopAt: [WEB_APP.redirectUri] });
    const contosoIdp = new URL(world.partners.contoso!.idp.ssoUrl).origin;
    // Without a pending sign-in, that hint sends the browser from /auth straight to Contoso's IdP.
    expect(new URL((await hinted(new Browser())).trail[1]!).origin).toBe(contosoIdp);

    const browser = new Browser();
    expect((await world.deliver(browser, await world.partners.contoso!.idp.unsolicitedResponse('hana'))).stoppedAt).toBe(APP_URL);
    const page = await hinted(browser);
    expect(new URL(page.trail[1]!).pathname).toMatch(/^\/interaction\//);
    expect(page.body).toContain('Continue as');
    expect(page.body).toContain('hana@contoso.example');
    expect(await world.stateOf(ids.hana!)).toEqual(UNTOUCHED_INVITEE);
  });

  it('refuses the same assertion posted again, from the same browser or another (signInResponseUnknown), and keeps nothing for it', async () => {
    const form = await world.partners.contoso!.idp.unsolicitedResponse('frank');
    const first = new Browser();
    expect((await world.deliver(first, form)).stoppedAt).toBe(APP_URL);
    const again = new Browser();
    expectRefused(await world.deliver(again, form), 400, 'signInResponseUnknown');
    // The replaying browser's app sign-in is an ordinary one: no confirmation offered.
    const { page } = await appSignIn(again);
    expect(page.body).not.toContain('Continue as');
    expectRefused(await world.deliver(first, form), 400, 'signInResponseUnknown');
    expect(await world.stateOf(ids.frank!)).toEqual(UNTOUCHED_INVITEE);
  });

  it('refuses the confirmation POSTed by another browser (no binding cookie): login CSRF fails, nothing changes', async () => {
    // The attacker's own response, posted in the attacker's browser: the pending sign-in is bound to it.
    const attacker = new Browser();
    expect((await world.deliver(attacker, await world.partners.contoso!.idp.unsolicitedResponse('grace'))).stoppedAt).toBe(APP_URL);
    // The victim's browser has its own interaction and CSRF token but not the attacker's binding.
    const victim = new Browser();
    const { page } = await appSignIn(victim);
    expect(page.body).not.toContain('Continue as');
    const uid = /\/interaction\/([^/"]+)/.exec(page.body)![1]!;
    const csrf = parseForms(page.body)[0]!.fields._csrf!;
    const posted = await victim.navigate(`${world.issuer}/interaction/${uid}/idp-initiated`, {
      init: { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ _csrf: csrf }).toString() },
      stopAt: [WEB_APP.redirectUri],
    });
    expectRefused(posted, 400, 'idpInitiatedSignInUnknown');
    expect(await world.stateOf(ids.grace!)).toEqual(UNTOUCHED_INVITEE);
  });

  it('refuses a blocked partner’s unsolicited response (partner refusal) and keeps nothing for the browser', async () => {
    const browser = new Browser();
    const refused = await world.deliver(browser, await world.partners.fabrikam!.idp.unsolicitedResponse('bob'));
    expectRefused(refused, 403, 'partnerBlocked');
    const { page } = await appSignIn(browser);
    expect(page.body).not.toContain('Continue as');
  });

  it('refuses an unsolicited response from an IdP that did not opt in (signInResponseUnknown), writing nothing', async () => {
    const before = await assertionRows();
    expectRefused(await world.deliver(new Browser(), await world.partners.litware!.idp.unsolicitedResponse('lou')), 400, 'signInResponseUnknown');
    expect(await assertionRows()).toBe(before);
    expect(await world.stateOf(ids.lou!)).toEqual(UNTOUCHED_INVITEE);
  });
});
