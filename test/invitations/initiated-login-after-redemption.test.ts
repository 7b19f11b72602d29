/**
 * After redeeming an invitation the guest lands in the app signed in (OIDC Core §4, third-party
 * initiated login), in headless Chromium: Foyer sends the browser to the demo app's
 * initiateLoginUri with its issuer, the invited address and the page to open; the demo app starts
 * its own sign-in, which Foyer answers from the session the redemption made.
 *
 * Then the endpoint as an attacker reads it: anyone can send a browser there, so it must refuse
 * another issuer and a page on another origin (starting nothing: no redirect, no session), and
 * what it starts must stay bound to the browser that started it: a replayed initiate-login link
 * signs in nobody who was not already signed in at Foyer, and a replayed or planted callback
 * signs in nobody.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { clickAndWait, describeInChromium, HAS_CHROMIUM, launchChromium, newContext, recordedPage } from '../support/chromium.js';
import { PARTNER_USERS } from '../support/partner-idp.js';
import { PASSWORD, partnerUser, redeemUrlIn, startWorld, type World } from '../support/world.js';
import { partnerLogin } from '../browser/browser-support.js';

let world: World;
let browser: Browser;

beforeAll(async () => {
  if (!HAS_CHROMIUM) return;
  [world, browser] = await Promise.all([startWorld({ foyerHost: 'localhost', oidc: [{ users: { ...PARTNER_USERS, carla: partnerUser('carla'), dora: partnerUser('dora') } }], portal: true, demoApp: { initiateLogin: true }, members: [{ email: 'ada@contoso.example', admin: true }] }), launchChromium()]);
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await world?.stop();
});

const initiateLogin = (params: Record<string, string>) => `${world.appUrl}initiate-login?${new URLSearchParams(params)}`;

/** Redeems an invitation to the demo app in `page` as the partner user `login`, and returns every URL the browser was sent to. */
async function redeem(page: Page, email: string, login: string): Promise<string[]> {
  const { redeemUrl } = await world.invite(email, { inviteRedirectUrl: world.appUrl });
  const visited: string[] = [];
  page.on('request', (r) => {
    if (r.isNavigationRequest() && r.frame() === page.mainFrame()) visited.push(r.url());
  });
  await page.goto(redeemUrl);
  await page.getByRole('button', { name: 'Accept and sign in' }).click();
  await partnerLogin(page, login);
  await page.waitForURL(world.appUrl);
  return visited;
}

/** The demo app's home page as it is now: who is signed in, if anyone. */
async function signedInAtApp(page: Page): Promise<string | undefined> {
  await page.goto(world.appUrl);
  const name = page.locator('#user-name');
  return (await name.count()) ? ((await name.textContent()) ?? undefined) : undefined;
}

describeInChromium('third-party initiated login after redemption', () => {
  it('the guest accepts the invitation and lands in the demo app signed in', async (ctx) => {
    const rec = await recordedPage(browser, ctx);
    const visited = await redeem(rec.page, 'alice@partner.example', 'alice');
    await rec.shot('landed');
    // Signed in, without touching the app's sign-in button.
    expect(await rec.page.locator('#user-name').textContent()).toBeTruthy();
    expect(await rec.page.locator('#claims').innerText()).toContain('alice@partner.example');
    // The way in was the app's initiate-login endpoint, with exactly what OIDC Core §4 names.
    const initiated = visited.map((u) => new URL(u)).find((u) => u.href.startsWith(`${world.appUrl}initiate-login`));
    expect(initiated, visited.join('\n')).toBeDefined();
    expect(Object.fromEntries(initiated!.searchParams)).toEqual({ iss: world.issuer, login_hint: 'alice@partner.example', target_link_uri: world.appUrl });
    // …and the app's own authorization request carried the hint on to Foyer.
    const auth = visited.map((u) => new URL(u)).find((u) => u.origin === world.issuer && u.pathname === '/auth' && u.searchParams.get('client_id') === 'demo-app');
    expect(auth?.searchParams.get('login_hint')).toBe('alice@partner.example');
  });

  it('the admin invite form offers the app as "signed in on arrival", and the guest arrives signed in', async (ctx) => {
    const admin = await recordedPage(browser, ctx);
    await admin.page.goto(`${world.issuer}/myapps/admin/guests`);
    await admin.page.getByLabel('Email address').fill('ada@contoso.example');
    await admin.page.getByRole('button', { name: 'Next' }).click();
    await admin.page.getByLabel('Password').fill(PASSWORD);
    await Promise.all([admin.page.waitForURL(`${world.issuer}/myapps/admin/guests`), admin.page.getByRole('button', { name: 'Sign in' }).click()]);
    const choices = await admin.page.locator('#redirect option').evaluateAll((os) => os.map((o) => ({ label: o.textContent, value: (o as HTMLOptionElement).value })));
    expect(choices).toContainEqual({ label: 'Demo app (signed in on arrival)', value: world.appUrl });
    await admin.page.getByLabel('Guest’s email address').fill('dora@partner.example');
    await admin.page.getByLabel('After accepting, open').selectOption({ label: 'Demo app (signed in on arrival)' });
    await admin.shot('invite-form');
    await admin.page.getByRole('button', { name: 'Send invitation' }).click();
    await admin.page.locator('#notice').waitFor();

    const guest = await (await newContext(browser, ctx)).newPage();
    await guest.goto(redeemUrlIn(await world.latestMail('dora@partner.example')));
    await guest.getByRole('button', { name: 'Accept and sign in' }).click();
    await partnerLogin(guest, 'dora');
    await guest.waitForURL(world.appUrl);
    expect(await guest.locator('#claims').innerText()).toContain('dora@partner.example');
  }, 90_000);

  it('refuses an iss of another issuer and starts nothing', async () => {
    for (const iss of [world.partner.issuer, `${world.issuer}/`, 'https://evil.example', '']) {
      const res = await fetch(initiateLogin({ iss, login_hint: 'alice@partner.example', target_link_uri: world.appUrl }), { redirect: 'manual' });
      expect(res.status, iss).toBe(400);
      expect(res.headers.get('location'), iss).toBeNull();
      expect(res.headers.get('set-cookie'), iss).toBeNull();
      expect(await res.text()).toContain('started by an issuer this app does not use');
    }
    // Without iss at all (the parameter is required).
    const none = await fetch(`${world.appUrl}initiate-login?target_link_uri=${encodeURIComponent(world.appUrl)}`, { redirect: 'manual' });
    expect([none.status, none.headers.get('location'), none.headers.get('set-cookie')]).toEqual([400, null, null]);
  });

  it('refuses a target_link_uri on another origin and starts nothing', async () => {
    const app = new URL(world.appUrl);
    const elsewhere = ['https://evil.example/', `http://127.0.0.1:${app.port}/`, `http://${app.hostname}:${Number(app.port) + 1}/`, '//evil.example/', '/relative', 'javascript:alert(1)', `${app.protocol}//user@evil.example@${app.host}x/`];
    for (const target of elsewhere) {
      const res = await fetch(initiateLogin({ iss: world.issuer, target_link_uri: target }), { redirect: 'manual' });
      expect(res.status, target).toBe(400);
      expect(res.headers.get('location'), target).toBeNull();
      expect(res.headers.get('set-cookie'), target).toBeNull();
    }
    // The same link with the app's own page does start a sign-in at Foyer (so the refusals above are the checks, not a broken endpoint).
    const ok = await fetch(initiateLogin({ iss: world.issuer, target_link_uri: world.appUrl }), { redirect: 'manual' });
    expect(ok.status).toBe(303);
    expect(new URL(ok.headers.get('location')!).origin).toBe(world.issuer);
  });

  it('a path that looks like another host stays on the app', async (ctx) => {
    const rec = await recordedPage(browser, ctx);
    await redeem(rec.page, 'bob@partner.example', 'bob');
    await clickAndWait(rec.page, () => rec.page.goto(initiateLogin({ iss: world.issuer, target_link_uri: `${new URL(world.appUrl).origin}//evil.example/x` })), (u) => u.pathname.startsWith('//evil.example') || u.pathname === '/x');
    expect(new URL(rec.page.url()).origin).toBe(new URL(world.appUrl).origin);
  });

  it('replays: the link in another browser signs no one in; a callback replayed or planted in another browser is refused', async (ctx) => {
    // The guest's browser: redeemed, so signed in at Foyer and at the app.
    const guest = await recordedPage(browser, ctx);
    const visited = await redeem(guest.page, 'carla@partner.example', 'carla');
    const callback = visited.find((u) => u.startsWith(`${world.appUrl}callback?`));
    expect(callback).toBeDefined();

    // 1. The initiate-login link (it carries nothing secret) in a browser with no Foyer session: Foyer asks who this is.
    const other = await (await newContext(browser, ctx)).newPage();
    const initiate = visited.find((u) => u.startsWith(`${world.appUrl}initiate-login?`))!;
    await other.goto(initiate);
    expect(new URL(other.url()).origin).not.toBe(new URL(world.appUrl).origin);
    expect(await signedInAtApp(other)).toBeUndefined();

    // 2. The finished callback replayed in the guest's own browser: its state was used up, so it is refused.
    const replay = await guest.page.goto(callback!);
    expect(replay?.status()).toBe(400);
    expect(await guest.page.locator('main').innerText()).toMatch(/expired or was started in another browser/);

    // 3. The same callback (code and state) in another browser: refused, and that browser is not signed in.
    const replayElsewhere = await other.goto(callback!);
    expect(replayElsewhere?.status()).toBe(400);
    expect(await signedInAtApp(other)).toBeUndefined();

    // 4. Login CSRF: an attacker starts a sign-in in their own browser and makes the guest's browser
    //    finish it. The guest's Foyer session answers, but the callback's state is not this browser's.
    const started = await fetch(initiateLogin({ iss: world.issuer, target_link_uri: world.appUrl }), { redirect: 'manual' });
    const planted = await guest.page.goto(started.headers.get('location')!);
    expect(new URL(guest.page.url()).pathname).toBe('/callback');
    expect(planted?.status()).toBe(400);
  }, 90_000);
});
