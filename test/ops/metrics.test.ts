/**
 * GET /metrics in Prometheus text format: requests by route template and status, latency
 * histograms, sign-in results by IdP, prompts, invitations by state, rate-limit refusals and
 * storage errors; bounded labels (no raw paths); optional bearer token.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { api, appToken } from '../support/api-client.js';
import { Browser } from '../support/browserless.js';
import { APP_URL } from '../support/guest-world.js';
import { openPasswordForm, signIn, webAppClient } from '../support/oidc-client.js';
import { startFoyer } from '../support/start-foyer.js';
import { useWorld } from '../support/world.js';

const PASSWORD = 'correct horse battery staple';

/** The value of one sample line, e.g. value(text, 'foyer_sign_ins_total', { idp: 'password', result: 'success' }). */
function value(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const ok = Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`));
    if (ok) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

describe('/metrics', () => {
  const world = useWorld({ oidc: true, portal: true });
  let text: string;
  beforeAll(async () => {
    const issuer = world.foyer.issuer;
    await world.foyer.createMember('member.metrics@contoso.example', PASSWORD);
    await signIn(new Browser(), await webAppClient(issuer), { email: 'member.metrics@contoso.example', password: PASSWORD });
    const browser = new Browser();
    const again = await openPasswordForm(browser, await webAppClient(issuer), 'member.metrics@contoso.example');
    const failed = await browser.submit(again.page, { email: 'member.metrics@contoso.example', password: 'wrong wrong wrong' });
    expect(failed.status).toBe(401);
    const token = await appToken(issuer, 'portal-app');
    const created = await api(issuer, token, 'POST', '/invitations', { invitedUserEmailAddress: 'metrics.guest@partner.example', inviteRedirectUrl: APP_URL });
    expect(created.status).toBe(201);
    await fetch(`${issuer}/no/such/path/${'x'.repeat(50)}`);
    await fetch(`${issuer}/federation/not-configured/callback?state=x`);
    const res = await fetch(`${issuer}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    text = await res.text();
  }, 60_000);

  it('counts requests by method, route template and status, with latency histograms', () => {
    expect(value(text, 'foyer_http_requests_total', { method: 'POST', route: '/interaction/:uid/login', status: '303' })).toBe(1);
    expect(value(text, 'foyer_http_requests_total', { method: 'POST', route: '/interaction/:uid/login', status: '401' })).toBe(1);
    expect(value(text, 'foyer_http_requests_total', { method: 'POST', route: '/token', status: '200' })).toBeGreaterThanOrEqual(2);
    expect(value(text, 'foyer_http_request_duration_seconds_count', { method: 'GET', route: '/auth' })).toBeGreaterThanOrEqual(2);
    expect(text).toMatch(/foyer_http_request_duration_seconds_bucket\{le="0.1",method="GET",route="\/healthz"\}|foyer_http_request_duration_seconds_bucket\{[^}]*le="0.1"/);
  });

  it('never uses raw paths as labels: unknown paths are "unmatched", unknown IdPs are not counted', () => {
    expect(text).not.toContain('/no/such/path');
    expect(text).not.toContain('not-configured');
    expect(value(text, 'foyer_http_requests_total', { route: 'unmatched', status: '404' })).toBeGreaterThanOrEqual(1);
  });

  it('counts sign-ins by IdP and result, interaction prompts, and protocol outcomes', () => {
    expect(value(text, 'foyer_sign_ins_total', { idp: 'password', result: 'success' })).toBe(1);
    expect(value(text, 'foyer_sign_ins_total', { idp: 'password', result: 'failure' })).toBe(1);
    expect(value(text, 'foyer_interaction_prompts_total', { prompt: 'login' })).toBeGreaterThanOrEqual(2);
    expect(value(text, 'foyer_oidc_events_total', { event: 'grant.success' })).toBeGreaterThanOrEqual(2);
  });

  it('keeps counting between scrapes: a grant and a request after a scrape add to what it read', async () => {
    const issuer = world.foyer.issuer;
    const scrape = async () => (await fetch(`${issuer}/metrics`)).text();
    const before = await scrape();
    const grants = value(before, 'foyer_oidc_events_total', { event: 'grant.success' })!;
    const tokens = value(before, 'foyer_http_requests_total', { method: 'POST', route: '/token', status: '200' })!;
    await appToken(issuer, 'portal-app');
    const after = await scrape();
    expect(value(after, 'foyer_oidc_events_total', { event: 'grant.success' })).toBe(grants + 1);
    expect(value(after, 'foyer_http_requests_total', { method: 'POST', route: '/token', status: '200' })).toBe(tokens + 1);
    expect(value(after, 'foyer_http_request_duration_seconds_count', { method: 'POST', route: '/token' })).toBeGreaterThan(tokens);
  });

  it('reports invitations by state, straight from the database', () => {
    expect(value(text, 'foyer_invitations', { state: 'PendingAcceptance' })).toBe(1);
    expect(value(text, 'foyer_invitations', { state: 'Completed' })).toBe(0);
  });

  it('declares the storage, rate-limit and key-reload series and the process metrics', () => {
    for (const name of ['foyer_storage_errors_total', 'foyer_rate_limited_total', 'foyer_signing_key_reloads_total', 'foyer_process_cpu_seconds_total', 'foyer_nodejs_eventloop_lag_seconds']) {
      expect(text).toContain(`# TYPE ${name}`);
    }
  });

  it('can require a bearer token, and can be switched off', async () => {
    const locked = await startFoyer((config) => {
      config.server = { ...(config.server as object), metricsToken: 'metrics-token-0123456789' };
    });
    const off = await startFoyer((config) => {
      config.server = { ...(config.server as object), metrics: false };
    });
    try {
      expect((await fetch(`${locked.issuer}/metrics`)).status).toBe(401);
      expect((await fetch(`${locked.issuer}/metrics`, { headers: { authorization: 'Bearer wrong-token-0123456789xx' } })).status).toBe(401);
      expect((await fetch(`${locked.issuer}/metrics`, { headers: { authorization: 'Bearer metrics-token-0123456789' } })).status).toBe(200);
      expect((await fetch(`${off.issuer}/metrics`)).status).toBe(404);
    } finally {
      await locked.stop();
      await off.stop();
    }
  });
});
