/**
 * Request size limits: JSON bodies over 64 kB and form bodies over 16 kB are refused with 413 and
 * a clear code, headers over 16 KiB with 431, before any handler runs; the server keeps serving.
 */
import { connect } from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { appToken } from '../support/api-client.js';
import { Browser } from '../support/browserless.js';
import { startAuthorization, webAppClient } from '../support/oidc-client.js';
import { useWorld } from '../support/world.js';

const world = useWorld({ oidc: true, portal: true });
let token: string;
beforeAll(async () => {
  token = await appToken(world.foyer.issuer, 'portal-app');
}, 60_000);

function rawStatus(port: number, request: string): Promise<number> {
  return new Promise((resolve) => {
    let text = '';
    const socket = connect(port, '127.0.0.1');
    socket.on('data', (c) => (text += c.toString('latin1')));
    socket.on('error', () => {});
    socket.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0)));
    socket.end(request);
  });
}

describe('request size limits', () => {
  it('refuses a JSON body over 64 kB on the API with 413 requestTooLarge', async () => {
    const body = JSON.stringify({ invitedUserEmailAddress: 'big@partner.example', inviteRedirectUrl: 'http://127.0.0.1:9999/', invitedUserMessageInfo: { customizedMessageBody: 'x'.repeat(70 * 1024) } });
    const res = await fetch(`${world.foyer.issuer}/v1.0/invitations`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: { code: 'requestTooLarge' } });
  });

  it('accepts a JSON body just under the limit (the limit is the only reason for the 413)', async () => {
    const body = JSON.stringify({ invitedUserEmailAddress: 'not-big@partner.example', inviteRedirectUrl: 'http://127.0.0.1:9999/', pad: 'x'.repeat(60 * 1024) });
    const res = await fetch(`${world.foyer.issuer}/v1.0/invitations`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body });
    expect(res.status).not.toBe(413);
    expect(res.status).toBeLessThan(500);
  });

  it('refuses a sign-in form over 16 kB with 413', async () => {
    const browser = new Browser();
    const pending = await startAuthorization(await webAppClient(world.foyer.issuer));
    const page = await browser.navigate(pending.url.href);
    const res = await browser.request(`${page.url}/identify`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ email: 'a@b.example', pad: 'x'.repeat(17 * 1024) }).toString() });
    expect(res.status).toBe(413);
    expect(await res.text()).toContain('requestTooLarge');
  });

  it('refuses headers over 16 KiB with 431, and keeps serving', async () => {
    const status = await rawStatus(world.foyer.port, `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: a=${'x'.repeat(17 * 1024)}\r\nConnection: close\r\n\r\n`);
    expect(status).toBe(431);
    const res = await fetch(`${world.foyer.issuer}/healthz`, { headers: { 'x-pad': 'x'.repeat(8 * 1024) } });
    expect(res.status).toBe(200);
  });

  it('refuses an oversized token request without a 5xx', async () => {
    const res = await fetch(`${world.foyer.issuer}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `grant_type=client_credentials&pad=${'x'.repeat(2 * 1024 * 1024)}` });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
  });
});
