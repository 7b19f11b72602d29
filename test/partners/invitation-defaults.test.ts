/**
 * What a partner's people are told and given: the partner's link lifetime, sponsor and message in
 * the invitation (mail and review page), and My Apps tiles only for the apps their organisation may use.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../support/api-client.js';
import { Browser, headingOf } from '../support/browserless.js';
import { latestOutboxMail, redeemUrlIn } from '../support/guest-world.js';
import { appTiles } from '../portal/portal-helpers.js';
import { APP_A, invite, redeem, startPartnerWorld, type PartnerWorld } from './partner-world.js';

let world: PartnerWorld;
const DAY = 86_400_000;

beforeAll(async () => {
  world = await startPartnerWorld((config) => {
    (config.partners as Record<string, unknown>[])[1]!.invitations = { ticketTtlDays: 3, sponsor: 'projects-lead@contoso.example', message: 'Welcome to the Contoso projects.' };
  });
});
afterAll(() => world?.stop());

describe('invitation defaults of a partner', () => {
  it('the link lives ticketTtlDays; the mail carries the partner’s message and sponsor; the review page names the sponsor', async () => {
    const before = Date.now();
    const res = await api(world.issuer, await world.token(), 'POST', '/invitations', { invitedUserEmailAddress: 'nina@northwind.example', inviteRedirectUrl: APP_A.launchUrl, sendInvitationMessage: true });
    expect(res.status).toBe(201);
    const expires = Date.parse(res.body.expirationDateTime as string);
    expect(expires).toBeGreaterThanOrEqual(before + 3 * DAY);
    expect(expires).toBeLessThan(before + 4 * DAY);
    expect(res.body.invitedUserMessageInfo).toMatchObject({ customizedMessageBody: 'Welcome to the Contoso projects.' });
    const mail = latestOutboxMail(world.foyer).replace(/=\r?\n/g, '');
    expect(mail).toContain('Welcome to the Contoso projects.');
    expect(mail).toContain('projects-lead@contoso.example');
    const review = await new Browser().navigate(redeemUrlIn(mail));
    expect(headingOf(review.body)).toBe('Review permissions');
    expect(review.body).toContain('<dt>Your contact</dt><dd><a href="mailto:projects-lead@contoso.example">projects-lead@contoso.example</a></dd>');
  });

  it('the inviter’s own message wins; another partner’s people get the global defaults', async () => {
    const own = await api(world.issuer, await world.token(), 'POST', '/invitations', { invitedUserEmailAddress: 'noel@northwind.example', inviteRedirectUrl: APP_A.launchUrl, invitedUserMessageInfo: { customizedMessageBody: 'Hi Noel' } });
    expect(own.body.invitedUserMessageInfo).toMatchObject({ customizedMessageBody: 'Hi Noel' });
    const other = await api(world.issuer, await world.token(), 'POST', '/invitations', { invitedUserEmailAddress: 'gil@fabrikam.example', inviteRedirectUrl: APP_A.launchUrl });
    expect(other.body.invitedUserMessageInfo).toMatchObject({ customizedMessageBody: null });
    expect(Date.parse(other.body.expirationDateTime as string)).toBeGreaterThan(Date.now() + 29 * DAY);
  });
});

describe('My Apps for a partner limited to app A', () => {
  it('shows a tile for app A and none for the apps it may not use; another partner’s guest sees them all', async () => {
    const owen = await redeem(world, (await invite(world, 'owen@northwind.example')).redeemUrl, 'northwind', 'owen');
    const tiles = appTiles((await owen.browser.navigate(`${world.issuer}/myapps`)).body);
    expect(tiles).toEqual(['app-a']);

    const alice = await redeem(world, (await invite(world, 'alice@fabrikam.example')).redeemUrl, 'fabrikam', 'alice');
    expect(appTiles((await alice.browser.navigate(`${world.issuer}/myapps`)).body)).toEqual(['web-app', 'app-a', 'app-b']);
  });
});
