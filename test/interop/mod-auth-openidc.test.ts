/**
 * mod_auth_openidc (Debian's libapache2-mod-auth-openidc under apache2), an app Foyer's authors
 * did not write, signs members and guests in through Foyer, refreshes with and without
 * `offline_access` (it sends its OIDCScope again on refresh), and logs out (RP-initiated).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, type Page } from '../support/browserless.js';
import { isIdentifyPage, isPasswordPage } from '../support/oidc-client.js';
import { signInAtPartner } from '../support/partner-idp.js';
import { DEMO_SECRET, freePort } from '../support/start-foyer.js';
import { APP_URL, PASSWORD, startWorld, type World } from '../support/world.js';
import { startApacheOpenidc, type ApacheApp } from './support/apache-openidc.js';
import { missing } from './support/peers.js';

const skip = missing('modAuthOpenidc');
const MEMBER = 'mona@contoso.example';
const GUEST = 'alice@partner.example';

describe.skipIf(skip)(`mod_auth_openidc under Apache as an app${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let world: World;
  let offline: ApacheApp;
  let online: ApacheApp;

  beforeAll(async () => {
    const ports = { offline: await freePort(), online: await freePort() };
    const app = (id: string, port: number) => ({
      id,
      displayName: `Apache ${id}`,
      clientSecret: DEMO_SECRET,
      redirectUris: [`http://127.0.0.1:${port}/protected/redirect_uri`],
      postLogoutRedirectUris: [`http://127.0.0.1:${port}/`],
      grantTypes: ['authorization_code', 'refresh_token'],
      firstParty: true,
    });
    world = await startWorld({ oidc: true, portal: true, members: [MEMBER], apps: [app('apache-offline', ports.offline), app('apache-online', ports.online)] });
    const common = { issuer: world.issuer, clientSecret: DEMO_SECRET };
    // mod_auth_openidc's usual OIDCScope, and the same without offline_access.
    offline = await startApacheOpenidc({ ...common, port: ports.offline, clientId: 'apache-offline', scope: 'openid email offline_access' });
    online = await startApacheOpenidc({ ...common, port: ports.online, clientId: 'apache-online', scope: 'openid email' });
  }, 60_000);
  afterAll(async () => {
    await offline?.stop();
    await online?.stop();
    await world?.stop();
  });

  async function expectProtectedPage(page: Page, apache: ApacheApp): Promise<void> {
    expect(page.status, `${page.url}\n${page.body.slice(0, 500)}\n${await apache.errorLog()}`).toBe(200);
    expect(page.body).toContain('Protected by mod_auth_openidc');
  }

  async function memberSignIn(apache: ApacheApp): Promise<Browser> {
    const browser = new Browser();
    const identify = await browser.navigate(`${apache.url}/protected/`);
    expect(isIdentifyPage(identify), `${identify.status}\n${await apache.errorLog()}`).toBe(true);
    const passwordForm = await browser.submit(identify, { email: MEMBER });
    expect(isPasswordPage(passwordForm)).toBe(true);
    await expectProtectedPage(await browser.submit(passwordForm, { email: MEMBER, password: PASSWORD }), apache);
    return browser;
  }

  /** mod_auth_openidc's session as its info hook shows it. */
  async function session(browser: Browser, apache: ApacheApp, query = '') {
    const res = await browser.request(`${apache.redirectUri}?info=json${query}`);
    const text = await res.text();
    expect(res.status, `${text}\n${await apache.errorLog()}`).toBe(200);
    return JSON.parse(text) as { id_token?: Record<string, unknown>; access_token?: string; refresh_token?: string };
  }

  it('signs a member in with a password; the session holds the ID token claims', async () => {
    const browser = await memberSignIn(offline);
    const info = await session(browser, offline);
    expect(info.id_token).toMatchObject({ email: MEMBER, iss: world.issuer, aud: 'apache-offline' });
    expect(info.id_token!.sub).toBe(world.members[MEMBER]);
  });

  it('refreshes with offline_access in its scope (it sends the scope again)', async () => {
    const browser = await memberSignIn(offline);
    const before = await session(browser, offline);
    expect(before.refresh_token).toBeTruthy();
    const after = await session(browser, offline, '&access_token_refresh_interval=0');
    expect(after.access_token).toBeTruthy();
    expect(after.access_token, await offline.errorLog()).not.toBe(before.access_token);
    expect(after.refresh_token).not.toBe(before.refresh_token);
  });

  it('refreshes without offline_access (a first-party app)', async () => {
    const browser = await memberSignIn(online);
    const before = await session(browser, online);
    expect(before.refresh_token).toBeTruthy();
    const after = await session(browser, online, '&access_token_refresh_interval=0');
    expect(after.access_token, await online.errorLog()).not.toBe(before.access_token);
  });

  it('signs a redeemed guest in through their home IdP', async () => {
    const invited = await world.invite(GUEST);
    const redeemer = new Browser();
    const review = await redeemer.navigate(invited.redeemUrl);
    const partnerAtRedeem = await redeemer.submit(review, {}, { stopAt: [APP_URL] });
    const redeemParams = await signInAtPartner(redeemer, partnerAtRedeem.url, 'alice', world.callback('partner'));
    expect((await redeemer.navigate(`${world.callback('partner')}?${new URLSearchParams(redeemParams)}`, { stopAt: [APP_URL] })).stoppedAt).toBe(APP_URL);

    const browser = new Browser();
    const identify = await browser.navigate(`${offline.url}/protected/`);
    const partnerForm = await browser.submit(identify, { email: GUEST });
    const params = await signInAtPartner(browser, partnerForm.url, 'alice', world.callback('partner'));
    await expectProtectedPage(await browser.navigate(`${world.callback('partner')}?${new URLSearchParams(params)}`), offline);
    const info = await session(browser, offline);
    expect(info.id_token).toMatchObject({ sub: invited.userId, email: GUEST });
  });

  it('logs out at Foyer too (RP-initiated logout), so the next visit asks to sign in again', async () => {
    const browser = await memberSignIn(offline);
    let page = await browser.navigate(`${offline.redirectUri}?logout=${encodeURIComponent(offline.postLogoutUri)}`);
    // Foyer asks the person to confirm signing out of Foyer, as oidc-provider does.
    if (page.url.startsWith(world.issuer) && page.body.includes('<form')) page = await browser.submit(page, { logout: 'yes' });
    expect(page.body, `${page.url}\n${page.body.slice(0, 500)}`).toContain('Signed out');
    const again = await browser.navigate(`${offline.url}/protected/`);
    expect(isIdentifyPage(again), again.body.slice(0, 300)).toBe(true);
  });
});
