import type * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser } from '../support/browserless.js';
import { openPasswordForm, signIn, WEB_APP, webAppClient } from '../support/oidc-client.js';
import { startFoyer, type RunningFoyer } from '../support/start-foyer.js';

const PASSWORD = 'the right password 2';
const LIMIT = 3;

describe(`password attempt limits (limits.passwordAttemptsPerAccount: ${LIMIT})`, () => {
  let foyer: RunningFoyer;
  let config: client.Configuration;

  beforeAll(async () => {
    foyer = await startFoyer((raw) => {
      raw.limits = { passwordAttemptsPerAccount: LIMIT, lockoutSeconds: 600 };
    });
    await foyer.createMember('ivan@contoso.example', PASSWORD);
    await foyer.createMember('judy@contoso.example', PASSWORD);
    await foyer.createMember('mallory@contoso.example', PASSWORD);
    config = await webAppClient(foyer.issuer);
  });
  afterAll(() => foyer?.stop());

  async function attempt(browser: Browser, email: string, password: string) {
    const { page } = await openPasswordForm(browser, config, email);
    return browser.submit(page, { email, password }, { stopAt: [WEB_APP.redirectUri] });
  }

  it(`locks the account after ${LIMIT} failures: even the right password then gets 429 with Retry-After`, async () => {
    const browser = new Browser();
    for (let i = 0; i < LIMIT; i++) {
      expect((await attempt(browser, 'ivan@contoso.example', `wrong ${i}`)).status).toBe(401);
    }
    const locked = await attempt(browser, 'ivan@contoso.example', PASSWORD);
    expect(locked.stoppedAt).toBeUndefined();
    expect(locked.status).toBe(429);
    const retryAfter = Number(locked.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(600);
    expect(locked.body).toContain('Too many failed attempts. Wait 10 minutes and try again.');
  });

  it('counts failures per account, so other members can still sign in', async () => {
    const browser = new Browser();
    const ok = await signIn(browser, config, { email: 'judy@contoso.example', password: PASSWORD });
    expect(ok.tokens.claims()!.email).toBe('judy@contoso.example');
  });

  it('counts the email case-insensitively, so changing its case does not reset the counter', async () => {
    const browser = new Browser();
    for (const email of ['mallory@contoso.example', 'Mallory@Contoso.example', 'MALLORY@CONTOSO.EXAMPLE']) {
      expect((await attempt(browser, email, 'nope')).status).toBe(401);
    }
    expect((await attempt(browser, 'mallory@contoso.example', PASSWORD)).status).toBe(429);
  });

  it('clears the failure counter after a successful sign-in', async () => {
    const browser = new Browser();
    const email = 'niaj@contoso.example';
    await foyer.createMember(email, PASSWORD);
    for (let i = 0; i < LIMIT - 1; i++) expect((await attempt(browser, email, 'nope')).status).toBe(401);
    const ok = await attempt(new Browser(), email, PASSWORD);
    expect(ok.stoppedAt).toBeDefined();
    // The success cleared the counter: another LIMIT - 1 failures still do not lock the account.
    for (let i = 0; i < LIMIT - 1; i++) expect((await attempt(browser, email, 'nope')).status).toBe(401);
    expect((await attempt(new Browser(), email, PASSWORD)).stoppedAt).toBeDefined();
  });
});
