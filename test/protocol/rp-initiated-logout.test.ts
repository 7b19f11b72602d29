import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCodeOf, headingOf, parseForms } from '../support/browserless.js';
import { isLoginPage, signedInWebApp, signIn, startAuthorization, WEB_APP } from '../support/oidc-client.js';
import { startFoyer, type RunningFoyer } from '../support/start-foyer.js';

const EMAIL = 'erin@contoso.example';
const PASSWORD = 'sign me out 99';

describe('RP-initiated logout', () => {
  let foyer: RunningFoyer;

  beforeAll(async () => {
    foyer = await startFoyer();
    await foyer.createMember(EMAIL, PASSWORD);
  });
  afterAll(() => foyer?.stop());

  it('shows the branded sign-out page for an end_session request with id_token_hint', async () => {
    const { browser, config, tokens } = await signedInWebApp(foyer.issuer, EMAIL, PASSWORD);
    const url = client.buildEndSessionUrl(config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: WEB_APP.postLogoutRedirectUri });
    const page = await browser.navigate(url.href);
    expect(page.status).toBe(200);
    expect(headingOf(page.body)).toBe('Sign out of Contoso Test?');
    expect(page.body).toContain('Web App');
    expect(page.body).toContain('/static/foyer.css');
    const [form] = parseForms(page.body);
    expect(form?.action).toBe(`${foyer.issuer}/session/end/confirm`);
    expect(form?.fields.xsrf).toMatch(/\S{16,}/);
  });

  it('ends the session and returns to the registered post_logout_redirect_uri with the state', async () => {
    const { browser, config, tokens } = await signedInWebApp(foyer.issuer, EMAIL, PASSWORD);
    const url = client.buildEndSessionUrl(config, {
      id_token_hint: tokens.id_token!,
      post_logout_redirect_uri: WEB_APP.postLogoutRedirectUri,
      state: 'bye-123',
    });
    const page = await browser.navigate(url.href);
    const done = await browser.submit(page, { logout: 'yes' }, { stopAt: [WEB_APP.postLogoutRedirectUri] });
    expect(done.stoppedAt).toBeDefined();
    const back = new URL(done.stoppedAt!);
    expect(`${back.origin}${back.pathname}`).toBe(WEB_APP.postLogoutRedirectUri);
    expect(back.searchParams.get('state')).toBe('bye-123');

    // The browser is signed out: the next sign-in shows the login form instead of SSO.
    const pending = await signIn(browser, config, { email: EMAIL, password: PASSWORD });
    expect(pending.sawLogin).toBe(true);
  });

  it('keeps the session when the user chooses to stay signed in', async () => {
    const { browser, config, tokens } = await signedInWebApp(foyer.issuer, EMAIL, PASSWORD);
    const url = client.buildEndSessionUrl(config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: WEB_APP.postLogoutRedirectUri });
    const page = await browser.navigate(url.href);
    // The "No" button submits the form without `logout`.
    const stayed = await browser.submit(page, {}, { stopAt: [WEB_APP.postLogoutRedirectUri] });
    expect(stayed.stoppedAt).toBeDefined();
    const again = await signIn(browser, config, { email: EMAIL, password: 'not used' });
    expect(again.sawLogin).toBe(false);
  });

  it('shows the signed-out page when the app gives no post_logout_redirect_uri', async () => {
    const { browser, config, tokens } = await signedInWebApp(foyer.issuer, EMAIL, PASSWORD);
    const page = await browser.navigate(client.buildEndSessionUrl(config, { id_token_hint: tokens.id_token! }).href);
    const done = await browser.submit(page, { logout: 'yes' });
    expect(done.status).toBe(200);
    expect(headingOf(done.body)).toBe('You are signed out');
    const login = await browser.navigate((await startAuthorization(config)).url.href);
    expect(isLoginPage(login)).toBe(true);
  });

  it('refuses an unregistered post_logout_redirect_uri with an error page and no redirect', async () => {
    const { browser, config, tokens } = await signedInWebApp(foyer.issuer, EMAIL, PASSWORD);
    const url = client.buildEndSessionUrl(config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: 'https://evil.example/' });
    const page = await browser.navigate(url.href, { stopAt: ['https://evil.example'] });
    expect(page.stoppedAt).toBeUndefined();
    expect(page.status).toBe(400);
    expect(errorCodeOf(page.body)).toBe('invalid_request');
    expect(page.body).toMatch(/post_logout_redirect_uri/);
    expect(parseForms(page.body)).toHaveLength(0);
  });
});
