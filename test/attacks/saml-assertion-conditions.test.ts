import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SamlVariant } from '../support/saml-idp.js';
import { UNTOUCHED_INVITEE, VICTIM, expectRefused, startSamlAttackWorld, type SamlAttackWorld } from './support/saml-attack-world.js';

/**
 * Genuine, correctly signed assertions for the victim that are not meant for this sign-in at Foyer:
 * issued to another service provider (the attacker runs one the victim also signs in to, and posts
 * what it received), addressed to another ACS, expired (one found in a log or a proxy later), or
 * missing what would tie them to a place, a time or a request. The IdP signs each with its own key;
 * Foyer must refuse it at the ACS, and Alice stays an untouched invitee.
 */
let world: SamlAttackWorld;
let alice: string;

beforeAll(async () => {
  world = await startSamlAttackWorld([{ id: 'contoso', displayName: 'Contoso', domain: 'contoso.example' }]);
  alice = await world.invite(VICTIM.email);
}, 60_000);
afterAll(() => world?.close());

// [variant, what it is, the code, a phrase the page must carry for the person or the partner's admin]
const cases: [SamlVariant, string, string, string][] = [
  ['wrong-audience', 'an assertion whose Audience is another SP', 'wrong_audience', 'issued the sign-in for a different service'],
  ['wrong-recipient', 'an assertion whose Recipient is another ACS', 'wrong_audience', 'addressed the sign-in to a different service'],
  ['expired', 'an expired assertion', 'expired_assertion', 'has expired'],
  ['no-recipient', 'an assertion whose bearer confirmation names no Recipient', 'invalid_response', 'no Recipient'],
  ['no-subject-confirmation', 'an assertion with no SubjectConfirmation', 'invalid_response', 'bearer subject confirmation'],
  ['holder-of-key', 'an assertion whose only confirmation is holder-of-key', 'invalid_response', 'bearer subject confirmation'],
  ['no-confirmation-expiry', 'a bearer confirmation without NotOnOrAfter', 'invalid_response', 'NotOnOrAfter'],
  ['wrong-issuer', 'an assertion whose Issuer is another IdP, signed with this IdP\'s key', 'wrong_issuer', 'did not come from Contoso'],
  ['transient-nameid', 'a transient NameID', 'invalid_response', 'persistent NameID'],
];

describe('signed assertions that are not for this sign-in at Foyer', () => {
  for (const [variant, what, code, phrase] of cases) {
    it(`refuses ${what} (${code}), and Alice is untouched`, async () => {
      const idp = world.partners.contoso!.idp;
      idp.setVariant(variant);
      try {
        const { browser, idpPage } = await world.startAppSignIn(VICTIM.email);
        const page = await world.deliver(browser, await world.loginAtIdp(browser, idpPage, 'alice'));
        expectRefused(page, 400, code);
        expect(page.body).toContain(phrase);
      } finally {
        idp.setVariant('valid');
      }
      expect(await world.stateOf(alice)).toEqual(UNTOUCHED_INVITEE);
    });
  }

  it('still signs Alice in with a valid assertion afterwards (the refusals were about the assertions)', async () => {
    const { browser, idpPage, authorization } = await world.startAppSignIn(VICTIM.email);
    const landed = await world.deliver(browser, await world.loginAtIdp(browser, idpPage, 'alice'));
    expect((await world.appTokens(landed, authorization)).sub).toBe(alice);
  });
});
