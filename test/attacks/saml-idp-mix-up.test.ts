import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser } from '../support/browserless.js';
import { createKeyPair } from '../support/certs.js';
import type { SamlUser } from '../support/saml-idp.js';
import { MALLORY, UNTOUCHED_INVITEE, expectRefused, startSamlAttackWorld, type AcsForm, type SamlAttackWorld } from './support/saml-attack-world.js';

/**
 * IdP mix-up: Foyer trusts several SAML partners, each for its own users. Contoso's IdP is the
 * attacker's here (a compromised or malicious partner, or Mallory with the run of it): it signs,
 * with its own genuine key, whatever it likes, and the answer is posted to another partner's ACS.
 * Tailspin's IdP is run by the same hosting vendor and signs with the same key as Contoso's, so
 * the signature alone cannot tell them apart: the Issuer, Audience and Recipient must.
 */
const AC = 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport';
const CAROL: SamlUser = { nameId: 'f4b-carol', email: 'carol@fabrikam.example', name: 'Carol Fabrikam', classRef: AC };
const TINA: SamlUser = { nameId: 'tsp-tina', email: 'tina@tailspin.example', name: 'Tina Tailspin', classRef: AC };

let world: SamlAttackWorld;
let carol: string;
let tina: string;
let mallory: string;

beforeAll(async () => {
  const vendorKey = await createKeyPair('saml-hosting-vendor');
  world = await startSamlAttackWorld([
    { id: 'contoso', displayName: 'Contoso', domain: 'contoso.example', idp: { users: { mallory: MALLORY }, keys: vendorKey } },
    { id: 'fabrikam', displayName: 'Fabrikam', domain: 'fabrikam.example', idp: { users: { carol: CAROL } } },
    { id: 'tailspin', displayName: 'Tailspin', domain: 'tailspin.example', idp: { users: { tina: TINA }, keys: vendorKey } },
  ]);
  carol = await world.invite(CAROL.email);
  tina = await world.invite(TINA.email);
  mallory = await world.invite(MALLORY.email);
}, 60_000);
afterAll(() => world?.close());

const acsOf = (id: string) => world.partners[id]!.acs;

/** Contoso's IdP, asked to sign for `victim` what it would sign for Mallory; optionally addressed to `target`'s SP as well. */
function contosoClaims(victim: SamlUser, target?: string): (xml: string) => string {
  return (xml) => {
    let edited = xml.replace(`>${MALLORY.nameId}<`, `>${victim.nameId}<`).replace(`>${MALLORY.email}<`, `>${victim.email}<`);
    if (target) edited = edited.replaceAll(`${world.issuer}/federation/contoso/`, `${world.issuer}/federation/${target}/`);
    return edited;
  };
}

/**
 * A sign-in started for the victim (Foyer sends the AuthnRequest to the victim's IdP), whose
 * AuthnRequest the attacker's browser takes to Contoso's IdP instead: Contoso answers that very
 * request, so InResponseTo and RelayState are right for the victim's sign-in.
 */
async function contosoAnswersRequestFor(victim: SamlUser, target: string, edit: (xml: string) => string) {
  const { browser, idpPage } = await world.startAppSignIn(victim.email);
  const request = new URL(idpPage.url);
  expect(request.origin).toBe(new URL(world.partners[target]!.idp.ssoUrl).origin);
  const contoso = world.partners.contoso!.idp;
  const diverted = await browser.navigate(`${new URL(contoso.ssoUrl).origin}${request.pathname}${request.search}`);
  contoso.editBeforeSigning(edit);
  try {
    const form = await world.loginAtIdp(browser, diverted, 'mallory');
    return { browser, form: { action: acsOf(target), fields: form.fields } satisfies AcsForm };
  } finally {
    contoso.editBeforeSigning(undefined);
  }
}

describe('an assertion from one IdP posted to another IdP\'s ACS', () => {
  it('refuses Contoso\'s answer to Fabrikam\'s request, claiming Carol, at Fabrikam\'s ACS (invalid_signature): Fabrikam\'s key did not sign it', async () => {
    const { browser, form } = await contosoAnswersRequestFor(CAROL, 'fabrikam', contosoClaims(CAROL, 'fabrikam'));
    expectRefused(await world.deliver(browser, form), 400, 'invalid_signature');
    expect(await world.stateOf(carol)).toEqual(UNTOUCHED_INVITEE);
  });

  it('refuses Contoso\'s answer to Tailspin\'s request at Tailspin\'s ACS although the shared key verifies it (wrong_audience: it is for Contoso\'s SP)', async () => {
    const { browser, form } = await contosoAnswersRequestFor(TINA, 'tailspin', contosoClaims(TINA));
    expectRefused(await world.deliver(browser, form), 400, 'wrong_audience');
    expect(await world.stateOf(tina)).toEqual(UNTOUCHED_INVITEE);
  });

  it('refuses it even when Contoso also forges Tailspin\'s Audience, Recipient and Destination (wrong_issuer: the Issuer is Contoso)', async () => {
    const { browser, form } = await contosoAnswersRequestFor(TINA, 'tailspin', contosoClaims(TINA, 'tailspin'));
    expectRefused(await world.deliver(browser, form), 400, 'wrong_issuer');
    expect(await world.stateOf(tina)).toEqual(UNTOUCHED_INVITEE);
  });

  it('refuses a genuine Contoso response for a Contoso sign-in posted to Tailspin\'s ACS (signInResponseUnknown), using nothing up', async () => {
    const { browser, idpPage, authorization } = await world.startAppSignIn(MALLORY.email);
    const form = await world.loginAtIdp(browser, idpPage, 'mallory');
    expect(form.action).toBe(acsOf('contoso'));
    // Tailspin's ACS knows no Tailspin sign-in under this RelayState.
    expectRefused(await world.deliver(browser, { ...form, action: acsOf('tailspin') }), 400, 'signInResponseUnknown');
    expect(await world.stateOf(mallory)).toEqual(UNTOUCHED_INVITEE);
    expect(await world.stateOf(tina)).toEqual(UNTOUCHED_INVITEE);
    // The refusal changed nothing: at the right ACS the same response finishes Mallory's own sign-in.
    expect((await world.appTokens(await world.deliver(browser, form), authorization)).sub).toBe(mallory);
    expect(await world.stateOf(tina)).toEqual(UNTOUCHED_INVITEE);
  });

  it('refuses a post to the ACS of an IdP that is not configured (unknownIdentityProvider)', async () => {
    const { form } = await contosoAnswersRequestFor(CAROL, 'fabrikam', (xml) => xml);
    const page = await world.deliver(new Browser(), { ...form, action: `${world.issuer}/federation/northwind-adfs/acs` });
    expectRefused(page, 404, 'unknownIdentityProvider');
    expect(await world.stateOf(carol)).toEqual(UNTOUCHED_INVITEE);
  });
});
