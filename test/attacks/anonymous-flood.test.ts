/**
 * Item 4 of the trust review: one anonymous client grew the database by 24 MB in 4 s with GET
 * /auth (an Interaction stored per request, for an hour, with no budget). Everything an
 * unidentified browser can make Foyer store now has a per-address budget: authorization requests
 * (GET /auth, POST /request, /session/end), upstream callbacks, and sign-in page views (which
 * can start an upstream sign-in, a federation index entry, or audit a malformed invitation link).
 * Each test floods from an address of its own and checks that the refusals are clear 429s and that
 * the count of what was stored stops growing exactly at the budget.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as client from 'openid-client';
import { startGuestWorld, type GuestWorld } from '../support/guest-world.js';
import { startAuthorization, webAppClient } from '../support/oidc-client.js';
import { DEMO_SECRET } from '../support/start-foyer.js';
import { BrowserAt, auditCount, expectRefused, requestFrom, storedCount } from './support/anonymous-flood.js';

const AUTH_BUDGET = 5;
const CALLBACK_BUDGET = 4;
const PAGE_BUDGET = 8;

let world: GuestWorld;
let app: client.Configuration;
beforeAll(async () => {
  world = await startGuestWorld((config) => {
    config.server = { ...(config.server as object), trustProxy: true };
    config.limits = { authorizationRequestsPerIpPerMinute: AUTH_BUDGET, upstreamCallbacksPerIpPerMinute: CALLBACK_BUDGET, signInPagesPerIpPerMinute: PAGE_BUDGET };
  });
  app = await webAppClient(world.foyer.issuer);
}, 60_000);
afterAll(() => world?.stop());

const db = () => world.foyer.foyer.db;
const issuer = () => world.foyer.issuer;
const authUrl = async (params: Record<string, string> = {}) => (await startAuthorization(app, { state: 's'.repeat(1024), ...params })).url;

describe('authorization requests from one address', () => {
  it('a flood of GET /auth gets 429 after the budget, and the stored interactions stop growing', async () => {
    const before = await storedCount(db(), 'Interaction');
    for (let i = 0; i < AUTH_BUDGET; i++) {
      const res = await requestFrom('198.51.100.10', (await authUrl()).href);
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toMatch(/\/interaction\//);
    }
    expect(await storedCount(db(), 'Interaction')).toBe(before + AUTH_BUDGET);
    for (let i = 0; i < 10; i++) await expectRefused(await requestFrom('198.51.100.10', (await authUrl()).href), 429, 'tooManyRequests');
    expect(await storedCount(db(), 'Interaction')).toBe(before + AUTH_BUDGET);
    // Another address has its own budget.
    expect((await requestFrom('198.51.100.11', (await authUrl()).href)).status).toBe(303);
  });

  it('pushed requests, logout requests and POST /auth spend the same budget', async () => {
    const ip = '198.51.100.12';
    const basic = `Basic ${Buffer.from(`web-app:${DEMO_SECRET}`).toString('base64')}`;
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const push = () => requestFrom(ip, `${issuer()}/request`, { method: 'POST', headers: { ...form, authorization: basic, accept: 'application/json' }, body: new URLSearchParams({ client_id: 'web-app', response_type: 'code', redirect_uri: 'http://127.0.0.1:9999/callback', scope: 'openid', state: 'pushed' }) });
    const logout = () => requestFrom(ip, `${issuer()}/session/end?state=bye`);
    // oidc-provider 9 serves POST /auth only with SameSite=None cookies, which Foyer does not use: 404, nothing stored.
    const postAuth = async () => requestFrom(ip, `${issuer()}/auth`, { method: 'POST', headers: form, body: new URLSearchParams(Object.fromEntries((await authUrl()).searchParams)) });
    const stored = async () => ({ interactions: await storedCount(db(), 'Interaction'), pushed: await storedCount(db(), 'PushedAuthorizationRequest'), sessions: await storedCount(db(), 'Session') });
    const before = await stored();
    for (let i = 0; i < 3; i++) expect((await push()).status).toBe(201);
    expect((await logout()).status).toBe(200);
    expect((await postAuth()).status).toBe(404);
    expect(await stored()).toEqual({ interactions: before.interactions, pushed: before.pushed + 3, sessions: before.sessions + 1 });
    // Budget spent: each is refused (an app pushing a request gets OAuth JSON), and nothing more is stored.
    await expectRefused(await push(), 429, 'too_many_requests');
    await expectRefused(await logout(), 429, 'tooManyRequests');
    await expectRefused(await postAuth(), 429, 'tooManyRequests');
    expect(await stored()).toEqual({ interactions: before.interactions, pushed: before.pushed + 3, sessions: before.sessions + 1 });
  });

  it('addresses inside one IPv6 /64 share a budget (rotating them does not open a new one)', async () => {
    for (let i = 0; i < AUTH_BUDGET; i++) expect((await requestFrom(`2001:db8:1:2::${i + 1}`, (await authUrl()).href)).status).toBe(303);
    await expectRefused(await requestFrom('2001:db8:1:2:ffff:ffff:ffff:ffff', (await authUrl()).href), 429, 'tooManyRequests');
    expect((await requestFrom('2001:db8:1:3::1', (await authUrl()).href)).status).toBe(303);
  });
});

describe('upstream callbacks from one address', () => {
  it('a replayed callback for a sign-in another browser started writes an audit row only up to the budget', async () => {
    // A real guest sign-in, stopped at the partner: its state is what an attacker would replay.
    const guest = new BrowserAt('198.51.100.20');
    const page = await guest.navigate((await authUrl({ login_hint: 'alice@partner.example' })).href, { stopAt: [world.partner.issuer] });
    const state = new URL(page.stoppedAt!).searchParams.get('state')!;
    const audits = await auditCount(db());
    const replay = () => requestFrom('198.51.100.21', `${issuer()}/federation/partner/callback?state=${state}&code=forged`);
    for (let i = 0; i < CALLBACK_BUDGET; i++) await expectRefused(await replay(), 400, 'browser_mismatch');
    expect(await auditCount(db())).toBe(audits + CALLBACK_BUDGET);
    for (let i = 0; i < 5; i++) await expectRefused(await replay(), 429, 'tooManyRequests');
    expect(await auditCount(db())).toBe(audits + CALLBACK_BUDGET);
  });

  it('GET callbacks and SAML ACS posts share the budget', async () => {
    const ip = '198.51.100.22';
    const get = () => requestFrom(ip, `${issuer()}/federation/partner/callback?state=unknown&code=x`);
    const post = () => requestFrom(ip, `${issuer()}/federation/partner/acs`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'RelayState=unknown' });
    await expectRefused(await get(), 400, 'signInResponseUnknown');
    await expectRefused(await post(), 400, 'invalid_response');
    await expectRefused(await get(), 400, 'signInResponseUnknown');
    await expectRefused(await post(), 400, 'invalid_response');
    await expectRefused(await post(), 429, 'tooManyRequests');
    await expectRefused(await get(), 429, 'tooManyRequests');
  });
});

describe('sign-in page views from one address', () => {
  it('reloading a sign-in page that starts an upstream sign-in stores nothing beside its interaction, and is budgeted', async () => {
    const browser = new BrowserAt('198.51.100.30');
    const stored = async () => ({ index: await storedCount(db(), 'FederationState'), interactions: await storedCount(db(), 'Interaction') });
    const before = await stored();
    const first = await browser.navigate((await authUrl({ domain_hint: 'partner.example' })).href, { stopAt: [world.partner.issuer] });
    expect(first.stoppedAt).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/auth\?/);
    // /auth itself sent the browser to the partner (upstream-from-authorization.ts); the interaction's
    // page, which the state names, starts that sign-in again when reloaded.
    const uid = new URL(first.stoppedAt!).searchParams.get('state')!.split('.')[0]!;
    const page = `${issuer()}/interaction/${uid}`;
    // Each restart replaces the pending state inside the interaction (upstream-sign-in.ts; its state
    // carries the interaction's uid, so no index entry): one interaction, however often reloaded.
    const once = { index: before.index, interactions: before.interactions + 1 };
    for (let i = 0; i < PAGE_BUDGET; i++) expect((await browser.request(page)).status).toBe(303);
    expect(await stored()).toEqual(once);
    for (let i = 0; i < 5; i++) await expectRefused(await browser.request(page), 429, 'tooManyRequests');
    expect(await stored()).toEqual(once);
  });

  it('malformed invitation links write an audit row each only up to the budget', async () => {
    const audits = await auditCount(db());
    const open = () => requestFrom('198.51.100.31', `${issuer()}/redeem?t=not-a-ticket`);
    for (let i = 0; i < PAGE_BUDGET; i++) expect((await open()).status).toBeGreaterThanOrEqual(400);
    expect(await auditCount(db())).toBe(audits + PAGE_BUDGET);
    for (let i = 0; i < 5; i++) await expectRefused(await open(), 429, 'tooManyRequests');
    expect(await auditCount(db())).toBe(audits + PAGE_BUDGET);
  });

  it('counts the refusals of every new budget in foyer_rate_limited_total', async () => {
    const text = await (await fetch(`${issuer()}/metrics`)).text();
    for (const limit of ['authorization', 'upstream-callbacks', 'sign-in-pages']) expect(text).toMatch(new RegExp(`foyer_rate_limited_total\\{limit="${limit}"\\} [1-9]`));
  });
});
