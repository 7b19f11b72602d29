import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SamlUser } from '../support/saml-idp.js';
import { UNTOUCHED_INVITEE, VICTIM, expectRefused, startSamlAttackWorld, type SamlAttackWorld, type UserState } from './support/saml-attack-world.js';
import * as forge from './support/saml-forge.js';

/**
 * Comment injection (Duo Labs, CVE-2017-11427 and friends, 2018): exclusive canonicalization drops
 * comments, so `bob@contoso.example<!---->.evil.example` has the same signature as
 * `bob@contoso.example.evil.example`; an SP that reads only the first text node of the element sees
 * `bob@contoso.example`. Mallory is a user of the partner's IdP who chose her own attribute values
 * (an email, a username that becomes the NameID): she gets them signed, adds a comment (before the
 * IdP signs, or after: the signature still verifies either way) and hopes Foyer truncates.
 *
 * Foyer reads node-saml's tree of the canonical signed bytes, where the comment is gone and the text
 * is whole: it sees exactly what the IdP vouched for, and that account was never invited.
 */
const AC = 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport';
const BOB = { nameId: 'c0ffee-bob-persistent', email: 'bob@contoso.example' };
// Mallory's own addresses and usernames at the IdP, chosen to end where the victim's do.
const MAIL_TRICK: SamlUser = { nameId: 'c0ffee-mallory-mail', email: `${BOB.email}.evil.example`, name: 'Mallory', classRef: AC };
const NAME_TRICK: SamlUser = { nameId: `${VICTIM.nameId}.evil.example`, email: 'mallory@contoso.example', name: 'Mallory', classRef: AC };

let world: SamlAttackWorld;
let alice: string;
let bob: string;
let aliceBefore: UserState;

beforeAll(async () => {
  world = await startSamlAttackWorld([{ id: 'contoso', displayName: 'Contoso', domain: 'contoso.example', idp: { users: { 'mallory-mail': MAIL_TRICK, 'mallory-name': NAME_TRICK } } }]);
  alice = await world.invite(VICTIM.email);
  bob = await world.invite(BOB.email);
  // Alice has redeemed: her NameID is now the key to her account.
  const { browser, idpPage, authorization } = await world.startAppSignIn(VICTIM.email);
  expect((await world.appTokens(await world.deliver(browser, await world.loginAtIdp(browser, idpPage, 'alice')), authorization)).sub).toBe(alice);
  aliceBefore = await world.stateOf(alice);
  expect(aliceBefore.identities).toEqual([`contoso:${VICTIM.nameId}`]);
}, 60_000);
afterAll(() => world?.close());

/** The element text with an empty comment where the victim's value ends. */
const split = (value: string, at: string) => value.replace(at, `${at}<!---->`);

async function signInAs(login: string, afterSigning?: (xml: string) => string) {
  const { browser, idpPage } = await world.startAppSignIn('mallory@contoso.example');
  const form = await world.loginAtIdp(browser, idpPage, login);
  const SAMLResponse = afterSigning ? forge.encode(afterSigning(forge.decode(form.fields.SAMLResponse!))) : form.fields.SAMLResponse!;
  // What a parser that stops at the first text node would take: the victim's value.
  expect(forge.decode(SAMLResponse)).toMatch(new RegExp(`>(${BOB.email}|${VICTIM.nameId})<!---->`));
  return world.deliver(browser, { ...form, fields: { ...form.fields, SAMLResponse } });
}

async function expectNothingChanged() {
  expect(await world.stateOf(bob)).toEqual(UNTOUCHED_INVITEE);
  expect(await world.stateOf(alice)).toEqual(aliceBefore);
  expect(await world.foyer.foyer.db('identities').where('subject', 'like', '%evil%')).toEqual([]);
  expect(await world.foyer.foyer.db('users').where('mail_normalized', 'like', '%evil%')).toEqual([]);
}

describe('comment injection in the email attribute', () => {
  it('reads the whole address when the IdP signed it with a comment inside (noInvitation), and Bob is untouched', async () => {
    const idp = world.partners.contoso!.idp;
    idp.editBeforeSigning((xml) => xml.replace(`>${MAIL_TRICK.email}<`, `>${split(MAIL_TRICK.email, BOB.email)}<`));
    try {
      const page = await signInAs('mallory-mail');
      expectRefused(page, 403, 'noInvitation');
      expect(page.body).toContain(`as ${MAIL_TRICK.email},`);
    } finally {
      idp.editBeforeSigning(undefined);
    }
    await expectNothingChanged();
  });

  it('reads the whole address when the comment is added after signing, which leaves the signature valid (noInvitation)', async () => {
    const page = await signInAs('mallory-mail', (xml) => xml.replace(`>${MAIL_TRICK.email}<`, `>${split(MAIL_TRICK.email, BOB.email)}<`));
    // Not invalid_signature: the signature covers the comment-free text, and that is what Foyer reads.
    expectRefused(page, 403, 'noInvitation');
    expect(page.body).toContain(`as ${MAIL_TRICK.email},`);
    await expectNothingChanged();
  });
});

describe('comment injection in the NameID', () => {
  it('does not sign Mallory in as Alice with a NameID the IdP signed with a comment inside (noInvitation)', async () => {
    const idp = world.partners.contoso!.idp;
    idp.editBeforeSigning((xml) => xml.replace(`>${NAME_TRICK.nameId}</saml:NameID>`, `>${split(NAME_TRICK.nameId, VICTIM.nameId)}</saml:NameID>`));
    try {
      expectRefused(await signInAs('mallory-name'), 403, 'noInvitation');
    } finally {
      idp.editBeforeSigning(undefined);
    }
    await expectNothingChanged();
  });

  it('does not sign Mallory in as Alice with the comment added after signing (noInvitation)', async () => {
    const page = await signInAs('mallory-name', (xml) => xml.replace(`>${NAME_TRICK.nameId}</saml:NameID>`, `>${split(NAME_TRICK.nameId, VICTIM.nameId)}</saml:NameID>`));
    expectRefused(page, 403, 'noInvitation');
    await expectNothingChanged();
  });
});
