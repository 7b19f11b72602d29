/**
 * HEAD runs the GET route in full in both routers (oidc-provider's and @koa/router): an
 * Interaction stored, an upstream sign-in started, a callback exchanged; only the body is dropped.
 * So the budgets and the size caps count HEAD as GET, and the /auth shortcut to the home IdP takes
 * GET only (attacker review: a HEAD flood stored hour-long interactions holding 14 kB each, past
 * every budget, each starting an upstream sign-in). Each refusal stores nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as client from 'openid-client';
import { startGuestWorld, type GuestWorld } from '../support/guest-world.js';
import { startAuthorization, webAppClient } from '../support/oidc-client.js';
import { BrowserAt, requestFrom, storedCount } from './support/anonymous-flood.js';

const BUDGET = 3;
let world: GuestWorld;
let app: client.Configuration;
beforeAll(async () => {
  world = await startGuestWorld((config) => {
    config.server = { ...(config.server as object), trustProxy: true };
    config.limits = { authorizationRequestsPerIpPerMinute: BUDGET, signInPagesPerIpPerMinute: BUDGET, upstreamCallbacksPerIpPerMinute: BUDGET };
  });
  app = await webAppClient(world.foyer.issuer);
}, 60_000);
afterAll(() => world?.stop());

const db = () => world.foyer.foyer.db;
const authUrl = async (params: Record<string, string> = {}) => (await startAuthorization(app, params)).url.href;

describe('HEAD requests against the sign-in budgets', () => {
  it('HEAD /auth spends the authorization budget, is refused past it, and stores nothing then', async () => {
    const ip = '198.51.100.91';
    for (let i = 0; i < BUDGET; i++) expect((await requestFrom(ip, await authUrl(), { method: 'HEAD' })).status).toBe(303);
    const before = await storedCount(db(), 'Interaction');
    expect((await requestFrom(ip, await authUrl({ domain_hint: 'partner.example' }), { method: 'HEAD' })).status).toBe(429);
    expect((await requestFrom(ip, await authUrl())).status).toBe(429);
    expect(await storedCount(db(), 'Interaction')).toBe(before);
  });

  it('an oversized HEAD /auth is refused by the size caps as the GET is, and stores nothing', async () => {
    const before = await storedCount(db(), 'Interaction');
    const res = await requestFrom('198.51.100.92', await authUrl({ domain_hint: 'partner.example', state: 'x'.repeat(14_000) }), { method: 'HEAD' });
    expect(res.status).toBe(414);
    expect(await storedCount(db(), 'Interaction')).toBe(before);
  });

  it('HEAD /auth with a deciding hint does not start the upstream sign-in (the GET does)', async () => {
    const head = await requestFrom('198.51.100.93', await authUrl({ domain_hint: 'partner.example' }), { method: 'HEAD' });
    expect(head.status).toBe(303);
    expect(head.headers.get('location')).toMatch(/^\/interaction\/[\w-]+$/);
    const get = await requestFrom('198.51.100.93', await authUrl({ domain_hint: 'partner.example' }));
    expect(get.headers.get('location')!.startsWith(world.partner.issuer)).toBe(true);
  });

  it('HEAD /interaction/:uid spends the sign-in page budget and is refused past it', async () => {
    const browser = new BrowserAt('198.51.100.94');
    const first = await browser.navigate(await authUrl({ domain_hint: 'partner.example' }), { stopAt: [world.partner.issuer] });
    const uid = new URL(first.stoppedAt!).searchParams.get('state')!.split('.')[0]!;
    const page = `${world.foyer.issuer}/interaction/${uid}`;
    for (let i = 0; i < BUDGET; i++) expect((await browser.request(page, { method: 'HEAD' })).status).toBe(303);
    expect((await browser.request(page, { method: 'HEAD' })).status).toBe(429);
    expect((await browser.request(page)).status).toBe(429);
  });

  it('HEAD of the upstream callback spends the callback budget and is refused past it', async () => {
    const ip = '198.51.100.95';
    const callback = `${world.foyer.issuer}/federation/partner/callback?state=nope.${'a'.repeat(32)}&code=x`;
    for (let i = 0; i < BUDGET; i++) expect((await requestFrom(ip, callback, { method: 'HEAD' })).status).not.toBe(429);
    expect((await requestFrom(ip, callback, { method: 'HEAD' })).status).toBe(429);
    expect((await requestFrom(ip, callback)).status).toBe(429);
  });
});
