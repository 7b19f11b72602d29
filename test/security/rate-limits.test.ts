/**
 * Request budgets (limits.* in config) answer 429 with Retry-After: token endpoint per client IP,
 * sign-in form posts per client IP, invitations per inviter; the email passcode's own limits do
 * too. Counted in foyer_rate_limited_total. (Sharing through Redis across nodes: test/scale.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, appToken } from '../support/api-client.js';
import { Browser } from '../support/browserless.js';
import { APP_URL, startGuestWorld, type GuestWorld } from '../support/guest-world.js';
import { openSignIn, webAppClient } from '../support/oidc-client.js';

let world: GuestWorld;
beforeAll(async () => {
  world = await startGuestWorld((config) => {
    // Client IPs from X-Forwarded-For, so each test is a client of its own.
    config.server = { ...(config.server as object), trustProxy: true };
    config.limits = { tokenRequestsPerIpPerMinute: 5, signInPostsPerIpPerMinute: 4, invitationsPerInviterPerHour: 3 };
    config.emailPasscode = { perAddressPerHour: 2 };
  });
}, 60_000);
afterAll(() => world?.stop());

const tokenRequest = (ip: string) =>
  fetch(`${world.foyer.issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': ip },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'daemon-app', client_secret: 'not-the-secret' }),
  });

describe('request budgets', () => {
  it('the token endpoint refuses the 6th request of a minute from one IP with 429, Retry-After and an OAuth error', async () => {
    for (let i = 0; i < 5; i++) expect((await tokenRequest('198.51.100.1')).status).toBe(401);
    const refused = await tokenRequest('198.51.100.1');
    expect(refused.status).toBe(429);
    const wait = Number(refused.headers.get('retry-after'));
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(60);
    expect(await refused.json()).toMatchObject({ error: 'too_many_requests' });
    // Another client is not affected.
    expect((await tokenRequest('198.51.100.2')).status).toBe(401);
  });

  it('sign-in form posts are limited per IP, with a page that says so', async () => {
    const browser = new Browser();
    const { page } = await openSignIn(browser, await webAppClient(world.foyer.issuer));
    const action = `${page.url}/identify`;
    const csrf = browser.cookiesFor(page.url)['foyer.csrf']!;
    const post = () =>
      browser.request(action, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': '198.51.100.7' }, body: new URLSearchParams({ _csrf: csrf, email: 'not an email' }).toString() });
    for (let i = 0; i < 4; i++) expect((await post()).status).toBe(400);
    const refused = await post();
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await refused.text()).toContain('tooManyRequests');
  });

  it('invitations are limited per inviter, with Graph-shaped 429s', async () => {
    const token = await appToken(world.foyer.issuer, 'portal-app');
    for (let i = 0; i < 3; i++) {
      const res = await api(world.foyer.issuer, token, 'POST', '/invitations', { invitedUserEmailAddress: `budget${i}@partner.example`, inviteRedirectUrl: APP_URL });
      expect(res.status).toBe(201);
    }
    const refused = await api(world.foyer.issuer, token, 'POST', '/invitations', { invitedUserEmailAddress: 'budget9@partner.example', inviteRedirectUrl: APP_URL });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refused.body).toMatchObject({ error: { code: 'tooManyRequests' } });
    // Reading is not budgeted.
    expect((await api(world.foyer.issuer, token, 'GET', '/invitations')).status).toBe(200);
  });

  it('counts every refusal in foyer_rate_limited_total', async () => {
    const text = await (await fetch(`${world.foyer.issuer}/metrics`)).text();
    for (const limit of ['token', 'sign-in-posts', 'invitations']) expect(text).toMatch(new RegExp(`foyer_rate_limited_total\\{limit="${limit}"\\} [1-9]`));
  });
});
