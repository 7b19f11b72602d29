/**
 * A disabled guest (accountEnabled false) trying to get in anyway (found by the audit). The refusal
 * came at the very end of the sign-in, after things had been written for the account: a pending
 * guest's redemption linked their identity, marked the invitation redeemed and the guest Accepted,
 * and only then was refused; an accepted guest's sign-in stamped the identity's last use first. Now
 * a disabled account is refused before anything is written for it: the redemption link, the answer
 * from the partner, a sign-in straight to the app (no code mailed either). A real Foyer and a real
 * partner IdP; each test compares the guest's rows (user, identities, invitations) before and after.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { api, appToken } from '../support/api-client.js';
import { Browser, errorCodeOf } from '../support/browserless.js';
import { APP_URL, latestOutboxMail, redeemUrlIn } from '../support/guest-world.js';
import { signInAtPartner } from '../support/partner-idp.js';
import { WEB, invitedGuest, is, PAGES, start } from '../e2e-access/access-support.js';
import { useWorld } from '../support/world.js';
import { partnerUser } from '../portal/portal-helpers.js';

const world = useWorld({ oidc: [{ users: Object.fromEntries(['dave', 'dina', 'drew'].map((l) => [l, partnerUser(l)])) }], portal: true });
let token: string;

beforeAll(async () => {
  token = await appToken(world.foyer.issuer, 'portal-app');
});

async function invite(email: string) {
  const res = await api(world.foyer.issuer, token, 'POST', '/invitations', { invitedUserEmailAddress: email, inviteRedirectUrl: APP_URL, sendInvitationMessage: true });
  expect(res.status).toBe(201);
  return { userId: (res.body.invitedUser as { id: string }).id, redeemUrl: redeemUrlIn(latestOutboxMail(world.foyer)) };
}

const disable = (userId: string) => world.foyer.foyer.db('users').where({ id: userId }).update({ account_enabled: false });

/** Everything stored for the guest: the user row, their identities (with last use) and their invitations. */
async function rowsOf(userId: string) {
  const { db } = world.foyer.foyer;
  return {
    user: await db('users').where({ id: userId }).first(),
    identities: await db('identities').where({ user_id: userId }).orderBy('id'),
    invitations: await db('invitations').where({ user_id: userId }).orderBy('id'),
  };
}

const mailCount = () => readdirSync(join(world.foyer.dir, 'outbox')).length;
const callback = () => `${world.foyer.issuer}/federation/partner/callback`;

describe('a disabled guest', () => {
  it('cannot redeem an invitation: the link is refused, and nothing is written', async () => {
    const { userId, redeemUrl } = await invite('dora@partner.example');
    await disable(userId);
    const before = await rowsOf(userId);
    const page = await new Browser().navigate(redeemUrl);
    expect(page.status).toBe(403);
    expect(errorCodeOf(page.body)).toBe('accountDisabled');
    expect(await rowsOf(userId)).toEqual(before);
  });

  it('disabled while at the partner: the partner\'s answer is refused, no identity is linked and the invitation stays pending', async () => {
    const { userId, redeemUrl } = await invite('dave@partner.example');
    const browser = new Browser();
    const partnerForm = await browser.submit(await browser.navigate(redeemUrl), {}, { stopAt: [APP_URL] });
    const params = await signInAtPartner(browser, partnerForm.url, 'dave', callback());
    await disable(userId);
    const before = await rowsOf(userId);
    expect(before.user.external_user_state).toBe('PendingAcceptance');

    const landed = await browser.navigate(`${callback()}?${new URLSearchParams(params)}`, { stopAt: [APP_URL] });
    expect(landed.stoppedAt).toBeUndefined();
    expect(landed.status).toBe(403);
    expect(errorCodeOf(landed.body)).toBe('accountDisabled');
    expect(await rowsOf(userId)).toEqual(before);
  });

  it('going straight to the app (just-in-time redemption): refused, no code mailed, nothing written', async () => {
    const { userId } = await invite('dina@partner.example');
    await disable(userId);
    const before = await rowsOf(userId);
    const mails = mailCount();
    const auth = await start(new Browser(), world.foyer.issuer, WEB);
    const partner = await auth.submit(auth.page, { email: 'dina@partner.example' });
    expect(is(partner, PAGES.partner)).toBe(true);
    const landed = await auth.submit(partner, { login: 'dina' });
    expect(landed.stoppedAt).toBeUndefined();
    expect(landed.status).toBe(403);
    expect(mailCount()).toBe(mails);
    expect(await rowsOf(userId)).toEqual(before);
  });

  it('who had accepted cannot sign in later: refused before the identity or the account records the attempt', async () => {
    const { userId } = await invitedGuest(world.foyer, token, 'drew@partner.example', 'drew');
    await disable(userId);
    const before = await rowsOf(userId);
    expect(before.identities).toHaveLength(1);

    const auth = await start(new Browser(), world.foyer.issuer, WEB);
    const partner = await auth.submit(auth.page, { email: 'drew@partner.example' });
    const landed = await auth.submit(partner, { login: 'drew' });
    expect(landed.stoppedAt).toBeUndefined();
    expect(landed.status).toBe(403);
    expect(errorCodeOf(landed.body)).toBe('accountDisabled');
    expect(await rowsOf(userId)).toEqual(before);
  });
});
