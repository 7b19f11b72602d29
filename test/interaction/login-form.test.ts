import * as client from 'openid-client';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeUsers } from '../../src/directory/user-writes.js';
import { Browser, csrfTokenOf, errorCodeOf, headingOf } from '../support/browserless.js';
import { finishAuthorization, isIdentifyPage, isPasswordPage, oauthErrorOf, openPasswordForm, openSignIn, signIn, WEB_APP, webAppClient } from '../support/oidc-client.js';
import { useFoyer } from '../support/world.js';

const EMAIL = 'frank@contoso.example';
const PASSWORD = 'the right password 1';

describe('the member password form', () => {
  const foyer = useFoyer({ members: [{ email: EMAIL, password: PASSWORD }] });
  let config: client.Configuration;

  beforeAll(async () => {
    config = await webAppClient(foyer.issuer);
  });

  it('asks for the email first, and goes straight to the password form for a member login_hint', async () => {
    const first = await openSignIn(new Browser(), config);
    expect(isIdentifyPage(first.page)).toBe(true);
    const browser = new Browser();
    const { page, uid } = await openSignIn(browser, config, { login_hint: 'hinted@contoso.example' });
    expect(isPasswordPage(page)).toBe(true);
    expect(page.body).toContain('to continue to <strong>Web App</strong>');
    expect(csrfTokenOf(page.body)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(page.body).toContain(`href="/interaction/${uid}/abort"`);
    expect(page.body).toContain('value="hinted@contoso.example"');
    expect(page.headers.get('cache-control')).toBe('no-store');
  });

  it('answers a wrong password with 401, a message a person can act on, and no session', async () => {
    const browser = new Browser();
    const { page } = await openPasswordForm(browser, config, EMAIL);
    const failed = await browser.submit(page, { email: EMAIL, password: 'wrong password' }, { stopAt: [WEB_APP.redirectUri] });
    expect(failed.stoppedAt).toBeUndefined();
    expect(failed.status).toBe(401);
    expect(headingOf(failed.body)).toBe('Sign in');
    expect(failed.body).toContain('That email address and password do not match an account here.');
    // The email is kept so the person only retypes the password.
    expect(failed.body).toContain(`value="${EMAIL}"`);
    // No session was created: a new sign-in in the same browser asks again.
    expect(browser.cookiesFor(foyer.issuer)).not.toHaveProperty('_session');
    const next = await signIn(browser, config, { email: EMAIL, password: PASSWORD });
    expect(next.sawLogin).toBe(true);
    expect(browser.cookiesFor(foyer.issuer)).toHaveProperty('_session');
  });

  it('gives an unknown email the same answer as a wrong password', async () => {
    const browser = new Browser();
    const { page } = await openPasswordForm(browser, config, 'nobody@contoso.example');
    const failed = await browser.submit(page, { email: 'nobody@contoso.example', password: 'whatever' });
    expect(failed.status).toBe(401);
    expect(failed.body).toContain('That email address and password do not match an account here.');
  });

  it('asks for both fields when one is empty', async () => {
    const browser = new Browser();
    const { page } = await openPasswordForm(browser, config, EMAIL);
    const failed = await browser.submit(page, { email: EMAIL, password: '' });
    expect(failed.status).toBe(400);
    expect(failed.body).toContain('Enter your email address and your password.');
  });

  it('refuses a post without the CSRF token with 403 csrfTokenInvalid', async () => {
    const browser = new Browser();
    const { uid } = await openPasswordForm(browser, config, EMAIL);
    const res = await browser.request(`${foyer.issuer}/interaction/${uid}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ email: EMAIL, password: PASSWORD }).toString(),
    });
    expect(res.status).toBe(403);
    const body = await res.text();
    expect(errorCodeOf(body)).toBe('csrfTokenInvalid');
    expect(headingOf(body)).toBe('Access denied');
  });

  it('refuses a post with a wrong CSRF token (as a cross-site page would send) with 403', async () => {
    const browser = new Browser();
    const { page } = await openPasswordForm(browser, config, EMAIL);
    const forged = await browser.submit(page, { email: EMAIL, password: PASSWORD, _csrf: 'A'.repeat(43) }, { stopAt: [WEB_APP.redirectUri] });
    expect(forged.stoppedAt).toBeUndefined();
    expect(forged.status).toBe(403);
    expect(errorCodeOf(forged.body)).toBe('csrfTokenInvalid');
  });

  it('refuses the right token when the CSRF cookie is missing (a different browser)', async () => {
    const browser = new Browser();
    const { page } = await openPasswordForm(browser, config, EMAIL);
    browser.forget(foyer.issuer, (name) => name === 'foyer.csrf');
    const res = await browser.submit(page, { email: EMAIL, password: PASSWORD });
    expect(res.status).toBe(403);
    expect(errorCodeOf(res.body)).toBe('csrfTokenInvalid');
  });

  it('answers JSON clients with the error code in JSON', async () => {
    const browser = new Browser();
    const { uid } = await openSignIn(browser, config);
    const res = await browser.request(`${foyer.issuer}/interaction/${uid}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ email: EMAIL, password: PASSWORD }),
    });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('csrfTokenInvalid');
  });
});

describe('a disabled account', () => {
  const email = 'grace@contoso.example';
  const foyer = useFoyer({ members: [{ email, password: PASSWORD }] });
  let config: client.Configuration;

  beforeAll(async () => {
    config = await webAppClient(foyer.issuer);
  });

  it('is refused at every step, and its tokens and browser session stop working', async () => {
    const signedIn = new Browser();
    const before = await signIn(signedIn, config, { email, password: PASSWORD });
    // A password form opened while the account was still enabled.
    const open = new Browser();
    const { page: form } = await openPasswordForm(open, config, email);

    // Switched off in the row only (no session revoked), through the one write path every writer of
    // users uses (src/directory/user-writes.ts), so the nodes' copies of the user see it.
    const id = (await foyer.foyer.users.findByEmail(email))!.id;
    const updated = await writeUsers(foyer.foyer.db, id, (users) => users.where({ id }).update({ account_enabled: false }));
    expect(updated).toBe(1);

    // Typing the email on a new sign-in reveals nothing (the same password form as for anyone);
    // only the right password tells the owner that the account is disabled.
    const fresh = new Browser();
    const { page: identify } = await openSignIn(fresh, config);
    const atIdentify = await fresh.submit(identify, { email }, { stopAt: [WEB_APP.redirectUri] });
    expect(atIdentify.status).toBe(200);
    expect(atIdentify.body).toMatch(/name="password"/);
    const wrong = await fresh.submit(atIdentify, { email, password: 'not the password at all' }, { stopAt: [WEB_APP.redirectUri] });
    expect(wrong.status).toBe(401);
    expect(errorCodeOf(wrong.body)).not.toBe('accountDisabled');

    // The right password on the already-open form is refused too.
    const refused = await open.submit(form, { email, password: PASSWORD }, { stopAt: [WEB_APP.redirectUri] });
    expect(refused.stoppedAt).toBeUndefined();
    expect(refused.status).toBe(403);
    expect(refused.body).toContain('Your account is disabled.');

    const refresh = await oauthErrorOf(client.refreshTokenGrant(config, before.tokens.refresh_token!));
    expect(refresh.error).toBe('invalid_grant');
    const info = await oauthErrorOf(client.fetchUserInfo(config, before.tokens.access_token, client.skipSubjectCheck));
    expect(info.status).toBe(401);

    // The browser that was signed in is asked to sign in again (not SSO, and not a server error),
    // and can sign in as someone else.
    const other = 'heidi@contoso.example';
    await foyer.createMember(other, PASSWORD);
    const { page: again, pending } = await openPasswordForm(signedIn, config, other);
    const done = await signedIn.submit(again, { email: other, password: PASSWORD }, { stopAt: [WEB_APP.redirectUri] });
    expect(done.stoppedAt, `${done.status} ${done.url}`).toBeDefined();
    const tokens = await finishAuthorization(config, done.stoppedAt!, pending);
    expect(tokens.claims()!.email).toBe(other);
  });
});
