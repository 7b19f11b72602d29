import { beforeAll, describe, expect, it } from 'vitest';
import { api, appToken } from '../support/api-client.js';
import { Browser, errorCodeOf, leakedInternals } from '../support/browserless.js';
import { APP_URL, latestOutboxMail, redeemUrlIn } from '../support/guest-world.js';
import { WEB_APP, startAuthorization, webAppClient } from '../support/oidc-client.js';
import { signInAtPartner } from '../support/partner-idp.js';
import { freePort, startFoyer } from '../support/start-foyer.js';
import { useWorld } from '../support/world.js';

const world = useWorld({ oidc: true, portal: true });
let token: string;

beforeAll(async () => {
  token = await appToken(world.foyer.issuer, 'portal-app');
});

const callback = () => `${world.foyer.issuer}/federation/partner/callback`;

/** Starts an app sign-in for `email` and returns the partner's answer for `login`, undelivered. */
async function partnerAnswer(browser: Browser, email: string, login: string | { cancel: true } = 'alice') {
  const pending = await startAuthorization(await webAppClient(world.foyer.issuer), { login_hint: email });
  const partnerForm = await browser.navigate(pending.url.toString(), { stopAt: [WEB_APP.redirectUri] });
  return signInAtPartner(browser, partnerForm.url, login, callback());
}

const deliver = (browser: Browser, params: Record<string, string>) => browser.navigate(`${callback()}?${new URLSearchParams(params)}`, { stopAt: [WEB_APP.redirectUri] });

function expectCleanRefusal(page: { status: number; body: string }, code: string): void {
  expect(errorCodeOf(page.body)).toBe(code);
  // 4xx for everything the guest or the upstream got wrong; 502 only for an IdP that is down.
  if (code === 'upstream_unreachable') expect(page.status).toBe(502);
  else expect(page.status >= 400 && page.status < 500, `status ${page.status}`).toBe(true);
  expect(leakedInternals(page.body)).toBeUndefined();
}

describe('federated sign-in failures end on a clear page, are logged, and create nothing', () => {
  it('refuses a callback with a wrong state', async () => {
    const browser = new Browser();
    const params = await partnerAnswer(browser, 'alice@partner.example');
    await expectCleanRefusal(await deliver(browser, { ...params, state: 'forged-state' }), 'signInResponseUnknown');
  });

  it('refuses a replayed callback', async () => {
    const { redeemUrl } = await inviteAlice();
    const browser = new Browser();
    const page = await browser.navigate(redeemUrl);
    const partnerForm = await browser.submit(page, {}, { stopAt: [APP_URL] });
    const params = await signInAtPartner(browser, partnerForm.url, 'alice', callback());
    const first = await browser.navigate(`${callback()}?${new URLSearchParams(params)}`, { stopAt: [APP_URL] });
    expect(first.stoppedAt).toBe(APP_URL);
    await expectCleanRefusal(await browser.navigate(`${callback()}?${new URLSearchParams(params)}`, { stopAt: [APP_URL] }), 'signInResponseUnknown');
  });

  it('refuses an ID token with a bad signature and one for another audience', async () => {
    const before = await world.foyer.foyer.db('identities').count({ n: '*' }).first();
    try {
      world.partner.tamperIdTokens({ foreignKey: true });
      const a = new Browser();
      await expectCleanRefusal(await deliver(a, await partnerAnswer(a, 'alice@partner.example')), 'invalid_signature');
      world.partner.tamperIdTokens({ claims: (c) => ({ ...c, aud: 'someone-else' }) });
      const b = new Browser();
      await expectCleanRefusal(await deliver(b, await partnerAnswer(b, 'alice@partner.example')), 'wrong_audience');
    } finally {
      world.partner.tamperIdTokens(undefined);
    }
    expect(await world.foyer.foyer.db('identities').count({ n: '*' }).first()).toEqual(before);
    const logged = await world.foyer.foyer.db('audit_log').where({ activity: 'Upstream sign-in', result: 'failure' }).select('result_reason');
    expect(logged.map((l) => l.result_reason)).toEqual(expect.arrayContaining(['invalid_signature', 'wrong_audience']));
  });

  it('shows the upstream error when the guest cancels at their IdP', async () => {
    const browser = new Browser();
    const params = await partnerAnswer(browser, 'alice@partner.example', { cancel: true });
    expect(params.error).toBe('access_denied');
    await expectCleanRefusal(await deliver(browser, params), 'upstream_error');
  });

  it('answers quickly with upstream_unreachable when the IdP is down', async () => {
    const closed = await freePort();
    const foyer = await startFoyer((config) => {
      config.identityProviders = [{ id: 'gone', type: 'oidc', displayName: 'Gone', issuer: `http://127.0.0.1:${closed}`, clientId: 'x', clientSecret: 'y-secret-value', domains: ['gone.example'] }];
    });
    try {
      const pending = await startAuthorization(await webAppClient(foyer.issuer), { login_hint: 'pat@gone.example' });
      const started = Date.now();
      const page = await new Browser().navigate(pending.url.toString(), { stopAt: [WEB_APP.redirectUri] });
      expect(Date.now() - started).toBeLessThan(10_000);
      await expectCleanRefusal(page, 'upstream_unreachable');
    } finally {
      await foyer.stop();
    }
  });
});

async function inviteAlice() {
  const res = await api(world.foyer.issuer, token, 'POST', '/invitations', { invitedUserEmailAddress: 'alice@partner.example', inviteRedirectUrl: APP_URL, sendInvitationMessage: true });
  expect(res.status).toBe(201);
  return { userId: (res.body.invitedUser as { id: string }).id, redeemUrl: redeemUrlIn(latestOutboxMail(world.foyer)) };
}

describe('guests who may no longer sign in see why', () => {
  it('refuses a disabled guest after their IdP sign-in', async () => {
    const userId = (await world.foyer.foyer.db('users').where({ mail_normalized: 'alice@partner.example' }).first())?.id as string;
    expect(userId).toBeTruthy();
    await world.foyer.foyer.db('users').where({ id: userId }).update({ account_enabled: false });
    try {
      const browser = new Browser();
      await expectCleanRefusal(await deliver(browser, await partnerAnswer(browser, 'alice@partner.example')), 'accountDisabled');
    } finally {
      await world.foyer.foyer.db('users').where({ id: userId }).update({ account_enabled: true });
    }
  });

  it('tells a guest whose IdP was removed from config to ask for a reset', async () => {
    // The identity is from an IdP that is no longer configured (another issuer than the partner's).
    const before = await world.foyer.foyer.db('identities').where({ email: 'alice@partner.example' }).first();
    await world.foyer.foyer.db('identities').where({ id: before.id }).update({ idp_id: 'retired-idp', issuer: 'https://retired.example' });
    try {
      // In a browser that never signed in as alice, the address is proven first (the partner owns
      // partner.example); only then does Foyer say that her sign-in option is gone.
      const browser = new Browser();
      const pending = await startAuthorization(await webAppClient(world.foyer.issuer), { login_hint: 'alice@partner.example' });
      const partnerForm = await browser.navigate(pending.url.toString(), { stopAt: [WEB_APP.redirectUri] });
      const params = await signInAtPartner(browser, partnerForm.url, 'alice', callback());
      await expectCleanRefusal(await deliver(browser, params), 'identityProviderRemoved');
    } finally {
      await world.foyer.foyer.db('identities').where({ id: before.id }).update({ idp_id: before.idp_id, issuer: before.issuer });
    }
  });
});
