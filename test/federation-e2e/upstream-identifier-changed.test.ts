import { describe, expect, it } from 'vitest';
import { api, appToken } from '../support/api-client.js';
import { Browser, errorCodeOf, leakedInternals } from '../support/browserless.js';
import { redeemUrlIn } from '../support/guest-world.js';
import { WEB_APP, startAuthorization, webAppClient } from '../support/oidc-client.js';
import { signInAtPartner } from '../support/partner-idp.js';
import { APP_URL, daemonApp, partnerUser, useWorld } from '../support/world.js';

// The partner's own user list: the test renumbers alice there, as a partner changing its identifier rule does.
const users = { alice: partnerUser('alice') };
const world = useWorld({
  // Trusted for its domain, the strongest case: even an IdP allowed to link existing users by email must not link this one.
  oidc: [{ id: 'partner', users, entry: { trustedForDomains: true } }],
  portal: true,
  apps: [daemonApp('recovery-app', ['User.ReadWrite.All', 'User.Invite.All'])],
});

const EMAIL = 'alice@partner.example';

async function redeem(redeemUrl: string): Promise<void> {
  const browser = new Browser();
  const review = await browser.navigate(redeemUrl);
  const partnerForm = await browser.submit(review, {}, { stopAt: [APP_URL] });
  const params = await signInAtPartner(browser, partnerForm.url, 'alice', world.callback('partner'));
  const done = await browser.navigate(`${world.callback('partner')}?${new URLSearchParams(params)}`, { stopAt: [APP_URL] });
  expect(done.stoppedAt, done.body.slice(0, 400)).toBe(APP_URL);
}

async function signInToApp() {
  const browser = new Browser();
  const pending = await startAuthorization(await webAppClient(world.issuer), { login_hint: EMAIL });
  const partnerForm = await browser.navigate(pending.url.toString(), { stopAt: [WEB_APP.redirectUri] });
  const params = await signInAtPartner(browser, partnerForm.url, 'alice', world.callback('partner'));
  return browser.navigate(`${world.callback('partner')}?${new URLSearchParams(params)}`, { stopAt: [WEB_APP.redirectUri] });
}

const identitiesOf = (userId: string) => world.foyer.foyer.db('identities').where({ user_id: userId }).orderBy('created_at').select('idp_id', 'subject');

describe('a partner that changes its identifier for a redeemed guest', () => {
  let userId: string;

  it('signs the guest in while the identifier is the same', async () => {
    const invited = await world.invite(EMAIL);
    userId = invited.userId;
    await redeem(invited.redeemUrl);
    expect(await identitiesOf(userId)).toEqual([{ idp_id: 'partner', subject: 'alice-sub' }]);
    const page = await signInToApp();
    expect(page.stoppedAt).toContain('code=');
  });

  it('then gets upstreamIdentifierChanged (409), not "not invited"; nothing is linked; the admin gets both identifiers', async () => {
    users.alice.sub = 'alice-renumbered';
    const usersBefore = await world.foyer.foyer.db('users').where({ id: userId }).first();
    const page = await signInToApp();
    expect(page.status, page.body.slice(0, 1500)).toBe(409);
    expect(errorCodeOf(page.body)).toBe('upstreamIdentifierChanged');
    expect(page.body).toContain('reset your invitation');
    expect(page.body).not.toContain('has not been invited');
    // The identifiers are for the admin: not on the page.
    expect(page.body).not.toContain('alice-renumbered');
    expect(page.body).not.toContain('alice-sub');
    expect(leakedInternals(page.body)).toBeUndefined();
    expect(page.stoppedAt).toBeUndefined();

    // Never linked automatically, even though the IdP is trusted for partner.example; the user is untouched.
    expect(await identitiesOf(userId)).toEqual([{ idp_id: 'partner', subject: 'alice-sub' }]);
    expect(await world.foyer.foyer.db('users').where({ id: userId }).first()).toEqual(usersBefore);
    expect(await world.foyer.foyer.db('audit_log').where({ activity: 'Link identity' })).toHaveLength(0);

    const row = await world.foyer.foyer.db('sign_ins').where({ error_code: 'upstreamIdentifierChanged' }).first();
    expect(row).toMatchObject({ user_principal_name: EMAIL, identity_provider: 'partner', result: 'failure' });
    expect(row.failure_detail).toContain('"alice-renumbered"');
    expect(row.failure_detail).toContain('"alice-sub"');
    expect(row.failure_detail).toContain(`npx foyer invitations reset ${EMAIL}`);
  });

  it("the admin's documented fix, resetting the redemption, lets the guest redeem with the new identifier", async () => {
    const token = await appToken(world.issuer, 'recovery-app');
    const res = await api(world.issuer, token, 'POST', '/invitations', { invitedUserEmailAddress: EMAIL, inviteRedirectUrl: APP_URL, sendInvitationMessage: true, resetRedemption: true, invitedUser: { id: userId } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    await redeem(redeemUrlIn(await world.latestMail(EMAIL)));
    expect(await identitiesOf(userId)).toEqual([{ idp_id: 'partner', subject: 'alice-renumbered' }]);
    expect((await signInToApp()).stoppedAt).toContain('code=');
  });
});
