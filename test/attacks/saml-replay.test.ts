import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, errorCodeOf, leakedInternals } from '../support/browserless.js';
import type { SamlUser } from '../support/saml-idp.js';
import { UNTOUCHED_INVITEE, expectRefused, startSamlAttackWorld, type AcsForm, type SamlAttackWorld } from './support/saml-attack-world.js';

/**
 * Replays and mix-ups of what a browser carries back from the IdP: the same SAMLResponse twice, an
 * old response in a later sign-in, a RelayState from another sign-in or one already used, and
 * responses Foyer never asked for. Every SAMLResponse here is genuine and signed by the IdP; only
 * where and when it is posted is wrong.
 *
 * The mechanisms: the RelayState finds its sign-in once (federation index, single use); the sign-in
 * keeps the ID of the one AuthnRequest it sent and its pending record is cleared at the first answer,
 * right or wrong; node-saml requires the Response's InResponseTo to be that ID, Foyer requires the
 * signed assertion's SubjectConfirmationData to say so too.
 */
const AC = 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport';
const user = (name: string): SamlUser => ({ nameId: `c0ffee-${name}`, email: `${name}@contoso.example`, name, classRef: AC });
const USERS = { erin: user('erin'), frank: user('frank'), grace: user('grace'), heidi: user('heidi'), ivan: user('ivan') };

let world: SamlAttackWorld;
const ids: Record<string, string> = {};

beforeAll(async () => {
  world = await startSamlAttackWorld([{ id: 'contoso', displayName: 'Contoso', domain: 'contoso.example', idp: { users: USERS } }]);
  for (const [name, u] of Object.entries(USERS)) ids[name] = await world.invite(u.email);
}, 60_000);
afterAll(() => world?.close());

/** A sign-in to the app up to the IdP's answer, not yet posted to Foyer. */
async function answerFor(name: keyof typeof USERS, browser?: Browser) {
  const started = await world.startAppSignIn(USERS[name].email, browser);
  return { ...started, form: await world.loginAtIdp(started.browser, started.idpPage, name) };
}

/** A completed sign-in: the person is redeemed and has a session. */
async function signedIn(name: keyof typeof USERS, browser?: Browser) {
  const { browser: b, authorization, form } = await answerFor(name, browser);
  expect((await world.appTokens(await world.deliver(b, form), authorization)).sub).toBe(ids[name]);
  return { browser: b, form };
}

/** The person signs out in this browser: the session cookie goes, the browser (and its binding cookie) stays. */
const signOut = (browser: Browser) => browser.forget(world.issuer, (name) => name.startsWith('_session'));

const mixed = (response: AcsForm, relay: AcsForm): AcsForm => ({ action: response.action, fields: { SAMLResponse: response.fields.SAMLResponse!, RelayState: relay.fields.RelayState! } });

describe('a SAMLResponse used again', () => {
  it('refuses the same response posted a second time, from the same browser and from another (no second session)', async () => {
    const { browser, form } = await signedIn('erin');
    const after = await world.stateOf(ids.erin!);
    expect(after).toMatchObject({ identities: ['contoso:c0ffee-erin'], invitations: ['Completed'], sessions: 1 });

    expectRefused(await world.deliver(browser, form), 400, 'signInResponseUnknown');
    // From another browser it is unknown as well, or (with browser binding) from the wrong browser: either stops it first.
    const elsewhere = await world.deliver(new Browser(), form);
    expect([elsewhere.status, leakedInternals(elsewhere.body), elsewhere.stoppedAt]).toEqual([400, undefined, undefined]);
    expect(['signInResponseUnknown', 'browser_mismatch']).toContain(errorCodeOf(elsewhere.body));
    expect(await world.stateOf(ids.erin!)).toEqual(after);
  });

  it('refuses an old response posted into a later sign-in of the same browser (in_response_to_mismatch), and that sign-in gets no code', async () => {
    const { browser, form: old } = await signedIn('frank');
    signOut(browser);
    const after = await world.stateOf(ids.frank!);
    const later = await world.startAppSignIn(USERS.frank.email, browser);
    // The later sign-in's RelayState, as the IdP would echo it, read from the AuthnRequest Foyer just sent.
    const relayState = new URL(later.idpPage.url).searchParams.get('RelayState')!;
    expectRefused(await world.deliver(browser, mixed(old, { action: old.action, fields: { RelayState: relayState } })), 400, 'in_response_to_mismatch');
    // And under its own, used RelayState it finds no sign-in at all.
    expectRefused(await world.deliver(browser, old), 400, 'signInResponseUnknown');
    expect(await world.stateOf(ids.frank!)).toEqual(after);
  });
});

describe('RelayState', () => {
  it('refuses a response carried under the RelayState of another sign-in in the same browser (in_response_to_mismatch); that sign-in is over, its own still completes', async () => {
    const browser = new Browser();
    const first = await answerFor('grace', browser);
    const second = await answerFor('grace', browser);
    expectRefused(await world.deliver(browser, mixed(first.form, second.form)), 400, 'in_response_to_mismatch');
    expect(await world.stateOf(ids.grace!)).toEqual(UNTOUCHED_INVITEE);
    // The attempt the forged post landed in is spent, even for its own genuine response.
    expectRefused(await world.deliver(browser, second.form), 400, 'signInResponseUnknown');
    expect(await world.stateOf(ids.grace!)).toEqual(UNTOUCHED_INVITEE);
    // The first sign-in was never touched: its own response finishes it.
    expect((await world.appTokens(await world.deliver(browser, first.form), first.authorization)).sub).toBe(ids.grace);
  });

  it('refuses a fresh response carried under a RelayState already used (signInResponseUnknown)', async () => {
    const { browser, form: used } = await signedIn('heidi');
    signOut(browser);
    const after = await world.stateOf(ids.heidi!);
    const fresh = await answerFor('heidi', browser);
    expectRefused(await world.deliver(browser, mixed(fresh.form, used)), 400, 'signInResponseUnknown');
    expect(await world.stateOf(ids.heidi!)).toEqual(after);
  });

  it('refuses a response with no RelayState or an invented one (signInResponseUnknown)', async () => {
    const { browser, form } = await answerFor('ivan');
    expectRefused(await world.deliver(browser, { action: form.action, fields: { SAMLResponse: form.fields.SAMLResponse! } }), 400, 'signInResponseUnknown');
    expectRefused(await world.deliver(browser, mixed(form, { action: form.action, fields: { RelayState: 'x'.repeat(32) } })), 400, 'signInResponseUnknown');
    expect(await world.stateOf(ids.ivan!)).toEqual(UNTOUCHED_INVITEE);
  });
});

describe('responses Foyer never asked for (IdP-initiated sign-in is not configured)', () => {
  it('refuses an unsolicited response posted with no sign-in in progress (signInResponseUnknown)', async () => {
    const idp = world.partners.contoso!.idp;
    idp.setVariant('unsolicited');
    let form: AcsForm;
    try {
      ({ form } = await answerFor('ivan'));
    } finally {
      idp.setVariant('valid');
    }
    // What an IdP-initiated sign-in looks like at the ACS: a fresh browser, a response, no RelayState Foyer issued.
    expectRefused(await world.deliver(new Browser(), { action: form.action, fields: { SAMLResponse: form.fields.SAMLResponse! } }), 400, 'signInResponseUnknown');
    expect(await world.stateOf(ids.ivan!)).toEqual(UNTOUCHED_INVITEE);
  });

  for (const [variant, what] of [
    ['unsolicited', 'a response with no InResponseTo at all'],
    ['no-subject-in-response-to', 'a Response naming the request around a signed assertion that answers none'],
  ] as const) {
    it(`refuses ${what}, even inside a sign-in Foyer started (in_response_to_mismatch)`, async () => {
      const idp = world.partners.contoso!.idp;
      idp.setVariant(variant);
      try {
        const { browser, form } = await answerFor('ivan');
        expectRefused(await world.deliver(browser, form), 400, 'in_response_to_mismatch');
      } finally {
        idp.setVariant('valid');
      }
      expect(await world.stateOf(ids.ivan!)).toEqual(UNTOUCHED_INVITEE);
    });
  }
});
