/**
 * Redeeming an invitation with an account that already belongs to another user here (a shared
 * computer, signed in at the partner as a colleague), in headless Chromium: Foyer refuses, names
 * the account used, whose it is and the invited address, each masked (j***@partner.example), says
 * what to do, and changes nothing; doing what it says (a private window, the invited account)
 * then redeems the invitation.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeInChromium, HAS_CHROMIUM, launchChromium, newContext, recordedPage } from '../support/chromium.js';
import { PARTNER_USERS } from '../support/partner-idp.js';
import { partnerUser, startWorld, type World } from '../support/world.js';
import { partnerLogin } from '../browser/browser-support.js';

let world: World;
let browser: Browser;

beforeAll(async () => {
  if (!HAS_CHROMIUM) return;
  [world, browser] = await Promise.all([startWorld({ foyerHost: 'localhost', oidc: [{ users: { ...PARTNER_USERS, john: partnerUser('john'), ann: partnerUser('ann') } }], portal: true }), launchChromium()]);
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await world?.stop();
});

describeInChromium('"this account belongs to another user"', () => {
  it('says which account (masked) and what to do, changes nothing, and the way it names works', async (ctx) => {
    const myApps = `${world.issuer}/myapps`;
    // John is a guest already: his partner account is linked to him.
    const john = await world.invite('john@partner.example', { inviteRedirectUrl: myApps });
    const shared = await recordedPage(browser, ctx);
    await shared.page.goto(john.redeemUrl);
    await shared.page.getByRole('button', { name: 'Accept and sign in' }).click();
    await partnerLogin(shared.page, 'john');
    await shared.page.waitForURL(myApps);

    // Ann's invitation, opened on John's computer, accepted with John's partner account.
    const ann = await world.invite('ann@partner.example', { inviteRedirectUrl: myApps });
    const { users, identities } = world.foyer.foyer;
    const before = { ann: await users.findById(ann.userId), annIdentities: await identities.listForUser(ann.userId), johnIdentities: await identities.listForUser(john.userId) };
    const other = await recordedPage(browser, ctx);
    await other.page.goto(ann.redeemUrl);
    await other.page.getByRole('button', { name: 'Accept and sign in' }).click();
    const [response] = await Promise.all([other.page.waitForResponse((r) => r.url().includes('/federation/partner/callback') && r.status() === 409), partnerLogin(other.page, 'john')]);
    expect(response.status()).toBe(409);
    await other.page.locator('main .lead').waitFor();
    await other.shot('refused');
    const text = await other.page.locator('main').innerText();
    expect(text).toContain('You signed in at Partner Org as j***@partner.example, and that account already belongs to another user here, so it cannot accept this invitation for a***@partner.example.');
    expect(text).toContain('Sign out at Partner Org (or use a private browser window), open the invitation link again and sign in with the account for a***@partner.example.');
    expect(text).toContain('Error code: identityLinkedElsewhere');
    // Masked: neither full address is on the screen.
    expect(text).not.toMatch(/john@|ann@/);
    expect(await other.page.getByRole('link', { name: 'Return to My Apps' }).getAttribute('href')).toBe('/myapps');

    // Nothing changed: Ann's invitation is still open, no identity moved or was added.
    expect(await users.findById(ann.userId)).toEqual(before.ann);
    expect(await identities.listForUser(ann.userId)).toEqual(before.annIdentities);
    expect(await identities.listForUser(john.userId)).toEqual(before.johnIdentities);
    expect(before.ann?.externalUserState).toBe('PendingAcceptance');

    // What the page says to do: a private window, the invited account.
    const privateWindow = await (await newContext(browser, ctx)).newPage();
    await privateWindow.goto(ann.redeemUrl);
    await privateWindow.getByRole('button', { name: 'Accept and sign in' }).click();
    await partnerLogin(privateWindow, 'ann');
    await privateWindow.waitForURL(myApps);
    expect((await users.findById(ann.userId))?.externalUserState).toBe('Accepted');
  }, 120_000);
});
