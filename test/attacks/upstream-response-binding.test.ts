/**
 * Takeover 1 of the review: an attacker starts a sign-in, stops at the redirect to the partner IdP
 * (the link carries the attacker's state, nonce and PKCE challenge) and sends that link to an
 * accepted guest. The guest's own IdP signs the guest in and sends the *guest's* browser back to
 * Foyer. Before the fix Foyer finished the attacker's sign-in with the guest's identity. Now the
 * answer is accepted only from the browser that started the sign-in: the victim sees a clear page,
 * and the attacker's sign-in is exactly as it was (no identity in it, nothing used up).
 * The other direction (the attacker's own finished answer planted in a victim's browser, i.e.
 * login CSRF through the callback) is refused by the same check.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appToken } from '../support/api-client.js';
import { Browser, errorCodeOf, leakedInternals, type Page } from '../support/browserless.js';
import { startGuestWorld, type GuestWorld } from '../support/guest-world.js';
import { signInAtPartner } from '../support/partner-idp.js';
import { WEB, finish, invitedGuest, start } from '../e2e-access/access-support.js';

let world: GuestWorld;
let victim: { userId: string; browser: Browser };

beforeAll(async () => {
  world = await startGuestWorld(() => {}, { trustMfa: true });
  const token = await appToken(world.foyer.issuer, 'portal-app');
  // bob's partner sign-in says amr ["pwd","mfa"]: with trustMfa, a stolen sign-in would carry his MFA too.
  victim = await invitedGuest(world.foyer, token, 'bob@partner.example', 'bob');
});
afterAll(() => world?.stop());

const callback = () => `${world.foyer.issuer}/federation/partner/callback`;
const db = () => world.foyer.foyer.db;

/** The attacker's sign-in, stopped at the redirect to the partner: the link they would send. */
async function attackerLink(attacker: Browser, email: string) {
  const auth = await start(attacker, world.foyer.issuer, WEB);
  const uid = /\/interaction\/([^/?]+)/.exec(auth.page.url)![1]!;
  const sent = await attacker.submit(auth.page, { email }, { stopAt: [world.partner.issuer] });
  expect(sent.stoppedAt).toMatch(/\/auth\?/);
  return { auth, uid, link: sent.stoppedAt! };
}

async function journeyOf(uid: string) {
  const interaction = await world.foyer.foyer.provider.Interaction.find(uid);
  return (interaction?.result as { foyer?: { upstream?: unknown; identity?: unknown } } | undefined)?.foyer;
}

async function snapshot() {
  const [identities, users, signIns] = await Promise.all([
    db()('identities').select('user_id', 'issuer', 'subject').orderBy(['user_id', 'subject']),
    db()('users').select('id', 'last_sign_in_at', 'external_user_state').orderBy('id'),
    db()('sign_ins').count({ n: '*' }).first(),
  ]);
  return { identities, users, signIns };
}

function expectRefused(page: Page, code: string) {
  expect(page.status).toBe(400);
  expect(errorCodeOf(page.body)).toBe(code);
  expect(leakedInternals(page.body)).toBeUndefined();
}

describe('an upstream answer delivered by a browser that did not start the sign-in', () => {
  it("does not put the victim's identity into the attacker's sign-in (OIDC link sent to a guest)", async () => {
    const attacker = new Browser();
    const { auth, uid, link } = await attackerLink(attacker, 'bob@partner.example');
    const before = await snapshot();

    // The victim follows the link: their own IdP signs them in and sends *their* browser back.
    const params = await signInAtPartner(victim.browser, link, 'bob', callback());
    const page = await victim.browser.navigate(`${callback()}?${new URLSearchParams(params)}`, { stopAt: [WEB.redirectUri] });
    expectRefused(page, 'browser_mismatch');
    expect(page.body).toContain('do not use it');

    // Nothing changed: no identity, no sign-in, and the attacker's sign-in still waits for its own answer.
    expect(await snapshot()).toEqual(before);
    expect(await journeyOf(uid)).toMatchObject({ upstream: { idpId: 'partner' } });
    expect((await journeyOf(uid))?.identity).toBeUndefined();
    const audited = await db()('audit_log').where({ activity: 'Upstream sign-in', result_reason: 'browser_mismatch' });
    expect(audited.length).toBeGreaterThanOrEqual(1);

    // The attacker, continuing in their own browser, gets no code for anyone: Foyer sends them to the partner again.
    const continued = await auth.open(`/interaction/${uid}/continue`);
    expect(continued.stoppedAt).toBeUndefined();
    expect(continued.url.startsWith(world.partner.issuer)).toBe(true);
    // Replaying the victim's answer from the attacker's own browser fails too: the partner's code is bound to the
    // attacker's PKCE verifier, but the answer is refused before it is exchanged (single use, nothing half-written).
    expect(await snapshot()).toEqual(before);
  });

  it("does not sign a victim in as the attacker (the attacker's own finished answer planted in the victim's browser)", async () => {
    const attacker = new Browser();
    // The attacker completes a partner sign-in of their own, but stops before delivering it to Foyer.
    const { link } = await attackerLink(attacker, 'alice@partner.example');
    const params = await signInAtPartner(attacker, link, 'alice', callback());
    const before = await snapshot();
    const planted = new Browser();
    const page = await planted.navigate(`${callback()}?${new URLSearchParams(params)}`, { stopAt: [WEB.redirectUri] });
    expectRefused(page, 'browser_mismatch');
    expect(planted.cookiesFor(world.foyer.issuer)._session).toBeUndefined();
    expect(await snapshot()).toEqual(before);
  });

  it('still lets the browser that started the sign-in finish it', async () => {
    const attacker = new Browser();
    const { auth, link } = await attackerLink(attacker, 'bob@partner.example');
    const params = await signInAtPartner(attacker, link, 'bob', callback());
    const landed = await auth.open(`${callback()}?${new URLSearchParams(params)}`);
    const claims = await finish(auth, landed);
    // The legitimate owner of that browser is bob here (same person at the partner): the check is the browser, not the account.
    expect(claims.sub).toBe(victim.userId);
  });

  it('refuses a link to an interaction opened in another browser (the passcode and every sign-in page)', async () => {
    const attacker = new Browser();
    const auth = await start(attacker, world.foyer.issuer, WEB);
    const page = await new Browser().navigate(auth.page.url);
    expect([page.status, errorCodeOf(page.body)]).toEqual([400, 'interactionExpired']);
  });
});
