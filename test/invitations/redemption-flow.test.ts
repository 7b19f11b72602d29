import { beforeAll, describe, expect, it } from 'vitest';
import * as client from 'openid-client';
import { api, appToken } from '../support/api-client.js';
import { Browser, errorCodeOf, headingOf } from '../support/browserless.js';
import { APP_URL, latestOutboxMail, redeemUrlIn } from '../support/guest-world.js';
import { signInAtPartner } from '../support/partner-idp.js';
import { WEB_APP, finishAuthorization, startAuthorization, webAppClient } from '../support/oidc-client.js';
import { useWorld } from '../support/world.js';

const world = useWorld({ oidc: true, portal: true });
let token: string;

beforeAll(async () => {
  token = await appToken(world.foyer.issuer, 'portal-app');
});

async function invite(email: string, extra: Record<string, unknown> = {}) {
  const res = await api(world.foyer.issuer, token, 'POST', '/invitations', { invitedUserEmailAddress: email, inviteRedirectUrl: APP_URL, sendInvitationMessage: true, ...extra });
  expect(res.status).toBe(201);
  return { userId: (res.body.invitedUser as { id: string }).id, id: String(res.body.id), redeemUrl: redeemUrlIn(latestOutboxMail(world.foyer)) };
}

/** Opens the link, accepts, signs in at the partner as `login`; returns where the browser ended. */
async function redeem(browser: Browser, redeemUrl: string, login: string) {
  const page = await browser.navigate(redeemUrl);
  expect(page.status).toBe(200);
  expect(headingOf(page.body)).toBe('Review permissions');
  const partnerForm = await browser.submit(page, {}, { stopAt: [APP_URL] });
  const callback = `${world.foyer.issuer}/federation/partner/callback`;
  const params = await signInAtPartner(browser, partnerForm.url, login, callback);
  return browser.navigate(`${callback}?${new URLSearchParams(params)}`, { stopAt: [APP_URL] });
}

describe('invitation redemption through the partner IdP', () => {
  it('redeems once, lands on inviteRedirectUrl, and the app gets tokens whose sub is the guest', async () => {
    const { userId, redeemUrl } = await invite('alice@partner.example');
    const browser = new Browser();
    const landed = await redeem(browser, redeemUrl, 'alice');
    expect(landed.stoppedAt).toBe(APP_URL);

    const user = await api(world.foyer.issuer, token, 'GET', `/users/${userId}`);
    expect(user.body).toMatchObject({ externalUserState: 'Accepted', userType: 'Guest' });
    expect(user.body.externalUserStateChangeDateTime).toBeTruthy();
    expect((user.body.identities as { issuer: string }[])[0]!.issuer).toBe(world.partner.issuer);

    // The app signs in silently on the session the redemption created.
    const config = await webAppClient(world.foyer.issuer);
    const pending = await startAuthorization(config);
    const sso = await browser.navigate(pending.url.toString(), { stopAt: [WEB_APP.redirectUri] });
    expect(sso.stoppedAt).toBeTruthy();
    const tokens = await finishAuthorization(config, sso.stoppedAt!, pending);
    const claims = tokens.claims()!;
    expect(claims.sub).toBe(userId);
    expect(claims.amr).toEqual(['fed']);
    void client;

    // A second click on the used link simply signs the guest in and returns to the app.
    const again = await browser.navigate(redeemUrl, { stopAt: [APP_URL] });
    expect(again.stoppedAt).toBe(APP_URL);
    const audit = await world.foyer.foyer.db('audit_log').where({ activity: 'Redeem invitation', result: 'success' });
    expect(audit).toHaveLength(1);
  });

  it('asks for an emailed code when the upstream email does not match the invited address', async () => {
    const { userId, redeemUrl } = await invite('bob.other@partner.example');
    const browser = new Browser();
    const offer = await redeem(browser, redeemUrl, 'bob');
    expect(headingOf(offer.body)).toBe('Confirm your email address');
    const page = await browser.submit(offer, {});
    expect(headingOf(page.body)).toBe('Enter the code we emailed you');
    const user = await api(world.foyer.issuer, token, 'GET', `/users/${userId}`);
    expect(user.body).toMatchObject({ externalUserState: 'PendingAcceptance', identities: [] });
    const mail = latestOutboxMail(world.foyer).replace(/=\r?\n/g, '');
    const code = /\b(\d{6})\b/.exec(mail.split('\n\n').slice(1).join('\n'))![1]!;
    const wrong = await browser.submit(page, { code: code === '000000' ? '111111' : '000000' });
    expect(wrong.status).toBe(400);
    const done = await browser.submit(wrong, { code }, { stopAt: [APP_URL] });
    expect(done.stoppedAt).toBe(APP_URL);
    expect((await api(world.foyer.issuer, token, 'GET', `/users/${userId}`)).body).toMatchObject({ externalUserState: 'Accepted' });
  });

  it('shows its own page for revoked, replaced, forged and malformed links, and changes nothing', async () => {
    const first = await invite('dan@partner.example');
    const revoked = await api(world.foyer.issuer, token, 'POST', `/invitations/${first.id}/revoke`);
    expect(revoked.status).toBe(200);
    const browser = new Browser();
    const page = await browser.navigate(first.redeemUrl);
    expect([page.status, errorCodeOf(page.body)]).toEqual([410, 'invitationRevoked']);

    const second = await invite('erin@partner.example');
    await invite('erin@partner.example');
    const replaced = await browser.navigate(second.redeemUrl);
    expect([replaced.status, errorCodeOf(replaced.body)]).toEqual([410, 'invitationReplaced']);

    const forged = await browser.navigate(`${world.foyer.issuer}/redeem?t=${'A'.repeat(43)}`);
    expect([forged.status, errorCodeOf(forged.body)]).toEqual([404, 'invitationNotFound']);
    const malformed = await browser.navigate(`${world.foyer.issuer}/redeem?t=%3Cscript%3E`);
    expect([malformed.status, errorCodeOf(malformed.body)]).toEqual([404, 'invitationNotFound']);
    expect(await world.foyer.foyer.db('identities').whereIn('email', ['dan@partner.example', 'erin@partner.example'])).toHaveLength(0);
  });
});
