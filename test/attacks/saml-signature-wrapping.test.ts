import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SamlUser } from '../support/saml-idp.js';
import { MALLORY, UNTOUCHED_INVITEE, VICTIM, expectRefused, startSamlAttackWorld, type SamlAttackWorld } from './support/saml-attack-world.js';
import * as forge from './support/saml-forge.js';

/**
 * XML signature wrapping (XSW) and signature stripping. The attacker, Mallory, has an account at
 * the partner's IdP and gets a genuinely signed response for herself; she rewrites it so that the
 * part a careless SP reads says "Alice" (invited, not yet redeemed) while the signature still
 * verifies over her own assertion. Foyer must refuse at the ACS with invalid_signature, and Alice
 * must still be an untouched invitee: no identity, invitation pending, no session.
 *
 * node-saml 5.1.0 (xml-crypto 6) does the heavy lifting: it takes only the signed bytes
 * (`getSignedReferences`), requires exactly one Assertion, exactly one Reference whose URI is the
 * signature's parent element and unique in the document. These tests pin that behaviour.
 */
const AC = 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport';
const FABRIKAM_MALLORY: SamlUser = { nameId: 'f4b-mallory', email: 'mallory@fabrikam.example', name: 'Mallory Fabrikam', classRef: AC };
const FABRIKAM_VICTIM = { nameId: 'f4b-carol', email: 'carol@fabrikam.example' };

let world: SamlAttackWorld;
let alice: string;
let carol: string;

beforeAll(async () => {
  world = await startSamlAttackWorld([
    { id: 'contoso', displayName: 'Contoso', domain: 'contoso.example', idp: { users: { mallory: MALLORY } } },
    // An IdP that signs only the Response (Foyer asks for that and no assertion signature).
    { id: 'fabrikam', displayName: 'Fabrikam', domain: 'fabrikam.example', idp: { users: { mallory: FABRIKAM_MALLORY } }, foyer: { wantAssertionsSigned: false, wantResponseSigned: true } },
  ]);
  alice = await world.invite(VICTIM.email);
  carol = await world.invite(FABRIKAM_VICTIM.email);
  await world.invite(MALLORY.email);
  await world.invite(FABRIKAM_MALLORY.email);
}, 60_000);
afterAll(() => world?.close());

/** Mallory signs in at the IdP as herself, rewrites her response, and posts it from the same browser. */
async function attack(partner: 'contoso' | 'fabrikam', rewrite: (xml: string) => string) {
  const { browser, idpPage, authorization } = await world.startAppSignIn(`mallory@${partner}.example`);
  const form = await world.loginAtIdp(browser, idpPage, 'mallory');
  expect(form.action).toBe(world.partners[partner]!.acs);
  const SAMLResponse = forge.encode(rewrite(forge.decode(form.fields.SAMLResponse!)));
  return { page: await world.deliver(browser, { ...form, fields: { ...form.fields, SAMLResponse } }), authorization };
}

const contoso = { attacker: { nameId: MALLORY.nameId, email: MALLORY.email }, victim: VICTIM };
const fabrikam = { attacker: { nameId: FABRIKAM_MALLORY.nameId, email: FABRIKAM_MALLORY.email }, victim: FABRIKAM_VICTIM };

describe('the harness breaks nothing by itself', () => {
  it('a response taken apart and put back together by the forge signs Mallory in (both kinds of IdP)', async () => {
    for (const partner of ['contoso', 'fabrikam'] as const) {
      const { page, authorization } = await attack(partner, (xml) => forge.replaceAssertion(xml, forge.assertionOf(xml)));
      const { sub } = await world.appTokens(page, authorization);
      expect(sub).toBeTruthy();
    }
  });
});

describe('XML signature wrapping against an IdP that signs the assertion', () => {
  const variants: [string, (xml: string) => string][] = [
    ['a second, unsigned assertion for the victim before the signed one', (x) => forge.evilBeforeSigned(x, contoso.attacker, contoso.victim)],
    ['a second, unsigned assertion for the victim after the signed one', (x) => forge.evilAfterSigned(x, contoso.attacker, contoso.victim)],
    ['XSW7: the signed assertion moved into Extensions, an evil one in its place', (x) => forge.signedInExtensions(x, contoso.attacker, contoso.victim)],
    ['XSW8: the evil assertion carries the signature, the signed one inside its ds:Object', (x) => forge.signedInSignatureObject(x, contoso.attacker, contoso.victim)],
    ['XSW3/4: the evil assertion wraps the signed one', (x) => forge.signedInsideEvil(x, contoso.attacker, contoso.victim)],
    ['the Reference URI names a different ID than the assertion that is read', (x) => forge.referenceToOtherId(x, contoso.attacker, contoso.victim)],
    ['the evil assertion takes the signed one\'s ID (two elements, one ID)', (x) => forge.duplicateId(x, contoso.attacker, contoso.victim)],
    ['the Reference URI re-pointed at the evil assertion', (x) => forge.referenceRepointed(x, contoso.attacker, contoso.victim)],
    ['signature stripping: the evil assertion with no signature at all', (x) => forge.withoutSignatures(forge.replaceAssertion(x, forge.impersonate(forge.assertionOf(x), contoso.attacker, contoso.victim)))],
    ['the signed assertion edited in place (NameID and email changed, signature kept)', (x) => forge.editedInPlace(x, contoso.attacker, contoso.victim)],
  ];
  for (const [name, rewrite] of variants) {
    it(`refuses ${name} (invalid_signature), and Alice is untouched`, async () => {
      const { page } = await attack('contoso', rewrite);
      expectRefused(page, 400, 'invalid_signature');
      expect(await world.stateOf(alice)).toEqual(UNTOUCHED_INVITEE);
    });
  }
});

describe('XML signature wrapping against an IdP that signs only the Response', () => {
  const variants: [string, (xml: string) => string][] = [
    ['XSW1: an evil Response carrying the signature, the signed Response inside its ds:Object', (x) => forge.responseInSignatureObject(x, fabrikam.attacker, fabrikam.victim)],
    ['XSW2: an evil Response carrying the signature, the signed Response beside it in Extensions', (x) => forge.responseInExtensions(x, fabrikam.attacker, fabrikam.victim)],
    ['the signed Response with an evil unsigned assertion added', (x) => forge.evilAddedToSignedResponse(x, fabrikam.attacker, fabrikam.victim)],
    ['the signed Response\'s assertion swapped for the evil one', (x) => forge.replaceAssertion(x, forge.impersonate(forge.assertionOf(x), fabrikam.attacker, fabrikam.victim))],
    ['signature stripping: the whole Response unsigned', (x) => forge.withoutSignatures(forge.replaceAssertion(x, forge.impersonate(forge.assertionOf(x), fabrikam.attacker, fabrikam.victim)))],
  ];
  for (const [name, rewrite] of variants) {
    it(`refuses ${name} (invalid_signature), and Carol is untouched`, async () => {
      const { page } = await attack('fabrikam', rewrite);
      expectRefused(page, 400, 'invalid_signature');
      expect(await world.stateOf(carol)).toEqual(UNTOUCHED_INVITEE);
    });
  }
});

describe('a response signed by a key the IdP does not use', () => {
  it('refuses a response signed by a rogue key under the right Issuer (invalid_signature), and Alice is untouched', async () => {
    const idp = world.partners.contoso!.idp;
    // The rogue IdP signs a perfectly formed response for Alice with its own key and Contoso's entity id.
    idp.setVariant('bad-signature');
    try {
      const { browser, idpPage } = await world.startAppSignIn(VICTIM.email);
      const form = await world.loginAtIdp(browser, idpPage, 'alice');
      expectRefused(await world.deliver(browser, form), 400, 'invalid_signature');
    } finally {
      idp.setVariant('valid');
    }
    expect(await world.stateOf(alice)).toEqual(UNTOUCHED_INVITEE);
  });
});
