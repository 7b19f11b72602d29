/**
 * Every page and endpoint a browser can reach carries the security headers (CSP with
 * frame-ancestors 'none', nosniff, no-referrer, DENY framing), HSTS exactly when Foyer is served
 * over https, and every cookie Foyer or oidc-provider sets is HttpOnly and SameSite, and Secure
 * outside plain-http localhost. The pages are collected by walking real flows, so a new page on
 * one of these journeys is checked without being listed here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as client from 'openid-client';
import { api, appToken } from '../support/api-client.js';
import { Browser, errorCodeOf, headingOf } from '../support/browserless.js';
import { APP_URL, latestOutboxMail, redeemUrlIn, startGuestWorld, type GuestWorld } from '../support/guest-world.js';
import { signInAtPartner } from '../support/partner-idp.js';
import { SPA_APP, WEB_APP, signIn, spaClient, webAppClient } from '../support/oidc-client.js';
import { useWorld } from '../support/world.js';
import { DEMO_SECRET } from '../support/start-foyer.js';

interface Seen {
  url: string;
  status: number;
  headers: Headers;
}

/** The browserless browser, remembering every response; optionally as if behind a TLS proxy. */
class RecordingBrowser extends Browser {
  readonly seen: Seen[] = [];
  constructor(private readonly tls?: { publicOrigin: string; localOrigin: string }) {
    super();
  }
  override async request(url: string, init: RequestInit = {}): Promise<Response> {
    let target = url;
    const headers = new Headers(init.headers);
    if (this.tls && url.startsWith(this.tls.publicOrigin)) {
      target = this.tls.localOrigin + url.slice(this.tls.publicOrigin.length);
      headers.set('x-forwarded-proto', 'https');
    }
    const res = await super.request(target, { ...init, headers });
    // Redirects point at the public (https) origin; the browser keeps walking it through the proxy.
    this.seen.push({ url: target, status: res.status, headers: res.headers });
    return res;
  }
}

const PASSWORD = 'correct horse battery staple';

/** oidc-provider's JSON-only endpoints a browser may fetch: nosniff and HSTS only (docs/security.md, "Security headers"). */
const PROTOCOL_JSON = new Set(['/jwks', '/.well-known/openid-configuration']);

function checkHeaders(seen: Seen[], origin: string, opts: { https: boolean }): string[] {
  const problems: string[] = [];
  for (const { url, status, headers } of seen.filter((s) => s.url.startsWith(origin))) {
    const where = `${status} ${new URL(url).pathname}`;
    if (PROTOCOL_JSON.has(new URL(url).pathname)) {
      if (!/json/.test(headers.get('content-type') ?? '')) problems.push(`${where}: a protocol endpoint answered with ${headers.get('content-type')}`);
      if (headers.get('x-content-type-options') !== 'nosniff') problems.push(`${where}: no X-Content-Type-Options: nosniff`);
      const hsts = headers.get('strict-transport-security');
      if (opts.https && !/max-age=\d{7,}/.test(hsts ?? '')) problems.push(`${where}: https without HSTS`);
      if (!opts.https && hsts) problems.push(`${where}: HSTS over plain http`);
      continue;
    }
    const csp = headers.get('content-security-policy') ?? '';
    if (!/frame-ancestors 'none'/.test(csp)) problems.push(`${where}: CSP without frame-ancestors 'none': "${csp}"`);
    if (!/default-src 'self'/.test(csp)) problems.push(`${where}: CSP without default-src 'self'`);
    if (/script-src[^;]*'unsafe-inline'/.test(csp)) problems.push(`${where}: CSP allows inline scripts`);
    if (headers.get('x-content-type-options') !== 'nosniff') problems.push(`${where}: no X-Content-Type-Options: nosniff`);
    if (headers.get('x-frame-options') !== 'DENY') problems.push(`${where}: no X-Frame-Options: DENY`);
    if (headers.get('referrer-policy') !== 'no-referrer') problems.push(`${where}: no Referrer-Policy: no-referrer`);
    const hsts = headers.get('strict-transport-security');
    if (opts.https && !/max-age=\d{7,}/.test(hsts ?? '')) problems.push(`${where}: https without HSTS`);
    if (!opts.https && hsts) problems.push(`${where}: HSTS over plain http`);
    for (const cookie of headers.getSetCookie()) {
      const name = cookie.split('=')[0];
      if (!/;\s*httponly/i.test(cookie)) problems.push(`${where}: cookie ${name} is not HttpOnly`);
      if (!/;\s*samesite=(lax|strict|none)/i.test(cookie)) problems.push(`${where}: cookie ${name} has no SameSite`);
      if (/;\s*samesite=none/i.test(cookie) && !/;\s*secure/i.test(cookie)) problems.push(`${where}: cookie ${name} is SameSite=None without Secure`);
      if (opts.https && !/;\s*secure/i.test(cookie)) problems.push(`${where}: cookie ${name} is not Secure over https`);
    }
  }
  return problems;
}

/** Walks every kind of page: sign-in with consent, logout, redemption, passcode, error pages, operations. */
async function visitEverything(world: GuestWorld, browser: RecordingBrowser, issuer: string): Promise<string[]> {
  const visited: string[] = [];
  const member = 'member.headers@contoso.example';
  await world.foyer.createMember(member, PASSWORD).catch(() => undefined);

  // Identify, password, consent (the SPA is third-party), then the app's tokens.
  const spa = await spaClient(issuer);
  const signedIn = await signIn(browser, spa, { email: member, password: PASSWORD, params: { redirect_uri: SPA_APP.redirectUri } });
  expect(signedIn.sawConsent).toBe(true);
  visited.push('identify', 'login', 'consent');

  // Logout confirmation and the logged-out page (no post_logout_redirect_uri).
  const web = await webAppClient(issuer);
  const logout = await browser.navigate(client.buildEndSessionUrl(web, { client_id: WEB_APP.id }).href);
  expect(logout.status).toBe(200);
  const loggedOut = await browser.submit(logout, { logout: 'yes' });
  expect(loggedOut.status).toBe(200);
  visited.push('logout', 'logged-out');

  // Redemption: the redeem page, the partner, and the passcode page (the partner's email differs).
  const token = await appToken(issuer, 'portal-app');
  const invited = await api(issuer, token, 'POST', '/invitations', { invitedUserEmailAddress: `bob.headers.${Date.now()}@partner.example`, inviteRedirectUrl: APP_URL, sendInvitationMessage: true });
  expect(invited.status).toBe(201);
  const redeemUrl = redeemUrlIn(latestOutboxMail(world.foyer)).replace(/^https?:\/\/[^/]+/, issuer);
  const redeem = await browser.navigate(redeemUrl);
  expect(headingOf(redeem.body)).toBe('Review permissions');
  const toPartner = await browser.submit(redeem, {}, { stopAt: [APP_URL] });
  const callback = `${issuer}/federation/partner/callback`;
  const params = await signInAtPartner(browser, toPartner.url, 'bob', callback);
  // The callback offers the code (only the person's POST mails it), then the code page.
  const offer = await browser.navigate(`${callback}?${new URLSearchParams(params)}`, { stopAt: [APP_URL] });
  expect(headingOf(offer.body)).toBe('Confirm your email address');
  const passcode = await browser.submit(offer, {}, { stopAt: [APP_URL] });
  expect(headingOf(passcode.body)).toBe('Enter the code we emailed you');
  visited.push('redeem', 'passcode');

  // Error pages: oidc-provider's (unknown client), Foyer's (bad ticket, expired interaction, 404).
  const providerError = await browser.navigate(`${issuer}/auth?client_id=nobody&response_type=code&scope=openid`);
  expect(providerError.status).toBeGreaterThanOrEqual(400);
  const badTicket = await browser.navigate(`${issuer}/redeem?t=${'A'.repeat(43)}`);
  expect(errorCodeOf(badTicket.body)).toBe('invitationNotFound');
  const expired = await browser.navigate(`${issuer}/interaction/not-a-real-interaction`);
  expect(expired.status).toBe(400);
  await browser.navigate(`${issuer}/no/such/page`);
  visited.push('errors');

  // Operations, discovery, static files, the API, My Apps as far as it exists.
  for (const path of ['/healthz', '/readyz', '/metrics', '/jwks', '/.well-known/openid-configuration', '/static/foyer.css', '/branding.css', '/v1.0/users/x', '/myapps', '/myapps/']) {
    await browser.navigate(`${issuer}${path}`);
  }
  visited.push('operations');
  return visited;
}

describe('security headers and cookie flags on every page', () => {
  describe('plain http on localhost', () => {
    const world = useWorld({ oidc: true, portal: true });

    it('sets CSP, frame-ancestors, nosniff and no HSTS; cookies are HttpOnly and SameSite', async () => {
      const browser = new RecordingBrowser();
      const visited = await visitEverything(world, browser, world.foyer.issuer);
      expect(visited.length).toBeGreaterThan(5);
      const ours = browser.seen.filter((s) => s.url.startsWith(world.foyer.issuer));
      expect(ours.length).toBeGreaterThan(25);
      expect(ours.some((s) => s.headers.getSetCookie().length > 0)).toBe(true);
      expect(checkHeaders(browser.seen, world.foyer.issuer, { https: false })).toEqual([]);
    }, 60_000);
  });

  describe('JSON-only protocol answers and pages (plain http)', () => {
    const world = useWorld({ oidc: true, portal: true });
    const tokenRequest = (issuer: string, secret: string, headers: Record<string, string> = {}) =>
      fetch(`${issuer}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`portal-app:${secret}`).toString('base64')}`, ...headers },
        body: new URLSearchParams({ grant_type: 'client_credentials', resource: `${issuer}/v1.0` }),
      });
    const documentHeaders = ['content-security-policy', 'x-frame-options', 'referrer-policy', 'cross-origin-opener-policy'];

    it('the token endpoint, JWKS and discovery carry nosniff and their Cache-Control, not the page-only headers', async () => {
      const issuer = world.foyer.issuer;
      const granted = await tokenRequest(issuer, DEMO_SECRET);
      const refused = await tokenRequest(issuer, 'not-the-secret-0123456789abcdefghijklmnop');
      expect(granted.status).toBe(200);
      expect(refused.status).toBe(401);
      for (const res of [granted, refused]) {
        expect(res.headers.get('content-type')).toMatch(/json/);
        expect(res.headers.get('x-content-type-options')).toBe('nosniff');
        expect(res.headers.get('cache-control')).toBe('no-store');
        expect(res.headers.get('x-request-id')).toBeTruthy();
        for (const name of documentHeaders) expect(res.headers.get(name), name).toBeNull();
      }
      for (const path of ['/jwks', '/.well-known/openid-configuration']) {
        const res = await fetch(`${issuer}${path}`);
        expect(res.headers.get('x-content-type-options')).toBe('nosniff');
        for (const name of documentHeaders) expect(res.headers.get(name), name).toBeNull();
      }
    });

    it('pages keep the full set, also at the protocol paths when the answer is not JSON', async () => {
      const issuer = world.foyer.issuer;
      // GET /token is no protocol request: the answer is Foyer's 404 page.
      for (const path of ['/', '/token', '/jwks/nothing', '/no/such/page', '/myapps']) {
        const res = await fetch(`${issuer}${path}`, { headers: { accept: 'text/html' }, redirect: 'manual' });
        expect(checkHeaders([{ url: `${issuer}${path}`, status: res.status, headers: res.headers }], issuer, { https: false }), path).toEqual([]);
        expect(res.headers.get('content-security-policy'), path).toMatch(/frame-ancestors 'none'/);
      }
    });
  });

  describe('https issuer behind a TLS-terminating proxy (trustProxy, X-Forwarded-Proto)', () => {
    let world: GuestWorld;
    let publicOrigin: string;
    beforeAll(async () => {
      world = await startGuestWorld((config) => {
        const port = (config.server as { port: number }).port;
        publicOrigin = `https://127.0.0.1:${port}`;
        config.issuer = publicOrigin;
        (config.server as Record<string, unknown>).trustProxy = true;
      });
    }, 60_000);
    afterAll(() => world?.stop());

    it('adds HSTS to every response and marks every cookie Secure', async () => {
      const localOrigin = `http://127.0.0.1:${world.foyer.port}`;
      const browser = new RecordingBrowser({ publicOrigin, localOrigin });
      // Only the sign-in and operations pages: the partner IdP is plain http and not under test here.
      await world.foyer.createMember('member.tls@contoso.example', PASSWORD);
      const spaRes = await browser.navigate(`${publicOrigin}/.well-known/openid-configuration`);
      expect(JSON.parse(spaRes.body)).toMatchObject({ issuer: publicOrigin });
      const authorize = new URL(`${publicOrigin}/auth`);
      authorize.search = new URLSearchParams({ client_id: WEB_APP.id, response_type: 'code', scope: 'openid', redirect_uri: WEB_APP.redirectUri, state: 's'.repeat(16), nonce: 'n'.repeat(16) }).toString();
      let page = await browser.navigate(authorize.href, { stopAt: [WEB_APP.redirectUri] });
      page = await browser.submit(page, { email: 'member.tls@contoso.example' }, { stopAt: [WEB_APP.redirectUri] });
      page = await browser.submit(page, { email: 'member.tls@contoso.example', password: PASSWORD }, { stopAt: [WEB_APP.redirectUri] });
      expect(page.stoppedAt).toBeTruthy();
      for (const path of ['/healthz', '/jwks', '/redeem?t=x', '/no/such/page', '/v1.0/users/x']) await browser.navigate(`${publicOrigin}${path}`);
      // The token endpoint keeps HSTS too.
      const tokenRes = await fetch(`${localOrigin}/token`, { method: 'POST', headers: { 'x-forwarded-proto': 'https', 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' });
      expect(tokenRes.status).toBe(400);
      expect(tokenRes.headers.get('strict-transport-security')).toMatch(/max-age=\d{7,}/);
      expect(tokenRes.headers.get('x-content-type-options')).toBe('nosniff');
      const ours = browser.seen.filter((s) => s.url.startsWith(localOrigin));
      expect(ours.some((s) => s.headers.getSetCookie().length > 0)).toBe(true);
      expect(checkHeaders(browser.seen, localOrigin, { https: true })).toEqual([]);
    }, 60_000);
  });
});
