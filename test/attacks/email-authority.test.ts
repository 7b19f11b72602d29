/**
 * Takeover 2 of the review: with IdP A federated for a.example and IdP B for b.example, a user of A
 * whose IdP says `victim@b.example` is verified redeemed the pending invitation of victim@b.example
 * without its ticket. An IdP's email_verified now proves an address only for the domains it is
 * authoritative for (src/federation/email-authority.ts); otherwise the person must prove the
 * address with a code mailed to it. Same rule for the ticket, just-in-time redemption and
 * `trustedForDomains` linking. Two real partner oidc-providers, a real SMTP server.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Browser, errorCodeOf, headingOf } from '../support/browserless.js';
import type { PartnerUser } from '../support/partner-idp.js';
import type { SmtpSink } from '../support/smtp-sink.js';
import type { RunningFoyer } from '../support/start-foyer.js';
import { APP_URL, useWorld } from '../support/world.js';
import { WEB, start } from '../e2e-access/access-support.js';

// Mallory is a user of IdP A; A's admin (or Mallory, where A lets users edit their profile) set her email to a victim's.
const A_USERS: Record<string, PartnerUser> = {
  mallory: { sub: 'mallory-1', email: 'victim@b.example', emailVerified: true, name: 'Mallory', amr: ['pwd'] },
  mallory2: { sub: 'mallory-2', email: 'ticketed@b.example', emailVerified: true, name: 'Mallory', amr: ['pwd'] },
  mallory3: { sub: 'mallory-3', email: 'member@b.example', emailVerified: true, name: 'Mallory', amr: ['pwd'] },
};
const B_USERS: Record<string, PartnerUser> = {
  victim: { sub: 'victim-1', email: 'victim@b.example', emailVerified: true, name: 'Victim', amr: ['pwd'] },
  member: { sub: 'member-1', email: 'member@b.example', emailVerified: true, name: 'Member', amr: ['pwd'] },
};

const idp = (id: string, domain: string, users: Record<string, PartnerUser>) => ({ id, users, domains: [domain], entry: { trustedForDomains: true } });
const world = useWorld({ oidc: [idp('idp-a', 'a.example', A_USERS), idp('idp-b', 'b.example', B_USERS)], smtp: true, portal: true });
let sink: SmtpSink;
let foyer: RunningFoyer;

beforeAll(() => {
  ({ foyer, smtp: sink } = world);
});

const db = () => foyer.foyer.db;

const invite = (email: string) => world.invite(email);

async function userState(userId: string) {
  const user = await db()('users').where({ id: userId }).first();
  const identities = await db()('identities').where({ user_id: userId });
  return { state: user.external_user_state, identities: identities.length };
}

describe("an IdP's verified email for a domain it is not authoritative for", () => {
  it('does not redeem the pending invitation of that address just in time; the address must be proven by code', async () => {
    const { userId } = await invite('victim@b.example');
    const mailsBefore = sink.messages.length;
    const attacker = new Browser();
    const auth = await start(attacker, foyer.issuer, WEB);
    const partner = await attacker.submit(auth.page, { email: 'mallory@a.example' });
    const page = await attacker.submit(partner, { login: 'mallory' }, { stopAt: [WEB.redirectUri] });

    expect(page.stoppedAt).toBeUndefined();
    expect(headingOf(page.body)).toBe('Confirm your email address');
    expect(page.body).toContain('victim@b.example');
    // Nothing redeemed, nothing linked, and no code mailed: only the person's own POST would send one.
    expect(await userState(userId)).toEqual({ state: 'PendingAcceptance', identities: 0 });
    expect(sink.messages.length).toBe(mailsBefore);

    // The attacker may ask for the code, but it goes to the victim's mailbox; a guess fails and still nothing changed.
    const codePage = await attacker.submit(page, {});
    expect(headingOf(codePage.body)).toBe('Enter the code we emailed you');
    const mail = await sink.waitForMessage('victim@b.example');
    const real = /\b(\d{6})\b/.exec(mail.text)![1]!;
    const wrong = await attacker.submit(codePage, { code: real === '123456' ? '654321' : '123456' }, { stopAt: [WEB.redirectUri] });
    expect(wrong.status).toBe(400);
    expect(await userState(userId)).toEqual({ state: 'PendingAcceptance', identities: 0 });
  });

  it('lets the real owner redeem through the authoritative IdP B', async () => {
    const user = await db()('users').where({ mail_normalized: 'victim@b.example' }).first();
    const browser = new Browser();
    const auth = await start(browser, foyer.issuer, WEB);
    const partner = await browser.submit(auth.page, { email: 'victim@b.example' });
    const landed = await browser.submit(partner, { login: 'victim' }, { stopAt: [WEB.redirectUri] });
    expect(landed.stoppedAt).toBeDefined();
    expect(await userState(user.id)).toEqual({ state: 'Accepted', identities: 1 });
  });

  it('does not redeem with the ticket either: a forwarded invitation link opened through IdP A asks for the code', async () => {
    const { userId, redeemUrl } = await invite('ticketed@b.example');
    const attacker = new Browser();
    const review = await attacker.navigate(redeemUrl);
    // Accepting goes to IdP B (it owns b.example); the attacker picks IdP A instead, by its own form post.
    const toB = await attacker.submit(review, {}, { stopAt: [world.oidc['idp-b']!.issuer] });
    expect(toB.stoppedAt).toBeDefined();
    const uid = /\/interaction\/([^/]+)/.exec(toB.trail.find((u) => u.includes('/interaction/'))!)![1]!;
    const csrf = attacker.cookiesFor(foyer.issuer)['foyer.csrf']!;
    const chooseA = await attacker.navigate(`${foyer.issuer}/interaction/${uid}/idp/idp-a`, {
      init: { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ _csrf: csrf }).toString() },
    });
    expect(headingOf(chooseA.body)).toBe('Partner IdP sign-in');
    const page = await attacker.submit(chooseA, { login: 'mallory2' }, { stopAt: [APP_URL] });
    expect(page.stoppedAt).toBeUndefined();
    expect(headingOf(page.body)).toBe('Confirm your email address');
    expect(await userState(userId)).toEqual({ state: 'PendingAcceptance', identities: 0 });
  });

  it('does not link an existing account by email through an IdP trusted only for other domains', async () => {
    const member = await foyer.createMember('member@b.example', 'a long member password 1');
    const attacker = new Browser();
    const auth = await start(attacker, foyer.issuer, WEB);
    const partner = await attacker.submit(auth.page, { email: 'mallory3@a.example' });
    const page = await attacker.submit(partner, { login: 'mallory3' }, { stopAt: [WEB.redirectUri] });
    expect([page.status, errorCodeOf(page.body)]).toEqual([403, 'noInvitation']);
    expect(await db()('identities').where({ user_id: member })).toHaveLength(0);

    // Through IdP B, trusted for b.example, the same verified address links (the rule still allows the legitimate case).
    const owner = new Browser();
    const ownAuth = await start(owner, foyer.issuer, WEB);
    // The member has a password, so discovery offers it; the owner picks IdP B with its own form post.
    const uid = /\/interaction\/([^/]+)/.exec(ownAuth.page.url)![1]!;
    await owner.submit(ownAuth.page, { email: 'member@b.example' });
    const csrf = owner.cookiesFor(foyer.issuer)['foyer.csrf']!;
    const toB = await owner.navigate(`${foyer.issuer}/interaction/${uid}/idp/idp-b`, {
      init: { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ _csrf: csrf }).toString() },
    });
    const linked = await owner.submit(toB, { login: 'member' }, { stopAt: [WEB.redirectUri] });
    expect(linked.stoppedAt).toBeDefined();
    expect(await db()('identities').where({ user_id: member })).toHaveLength(1);
  });
});
