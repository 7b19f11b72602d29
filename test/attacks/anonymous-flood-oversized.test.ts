/**
 * The review's flood used 7 KB `state` values: oidc-provider stores every authorization parameter
 * in the Interaction, whatever its length. Foyer now refuses oversized values, and oversized
 * requests as a whole, before oidc-provider sees them: a clear 4xx page with a stable code, and
 * nothing stored. Values at the limits still work (the limit is the only reason for a refusal).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as client from 'openid-client';
import { AUTHORIZATION_REQUEST_MAX_BYTES, PARAMETER_MAX_LENGTHS } from '../../src/http/authorization-size-limits.js';
import { startAuthorization, webAppClient } from '../support/oidc-client.js';
import { DEMO_SECRET, startFoyer, type RunningFoyer } from '../support/start-foyer.js';
import { expectRefused, requestFrom, storedCount } from './support/anonymous-flood.js';

let foyer: RunningFoyer;
let app: client.Configuration;
beforeAll(async () => {
  foyer = await startFoyer();
  app = await webAppClient(foyer.issuer);
}, 60_000);
afterAll(() => foyer?.stop());

const ip = '127.0.0.1';
const db = () => foyer.foyer.db;
const authUrl = async (params: Record<string, string>) => (await startAuthorization(app, params)).url.href;
const stored = async () => ({ interactions: await storedCount(db(), 'Interaction'), sessions: await storedCount(db(), 'Session'), pushed: await storedCount(db(), 'PushedAuthorizationRequest') });

describe('oversized authorization parameters', () => {
  it('a 7 KB state is refused with 400 parameterTooLong, and nothing is stored', async () => {
    const before = await stored();
    const res = await requestFrom(ip, await authUrl({ state: 'x'.repeat(7 * 1024) }));
    const body = await res.clone().text();
    await expectRefused(res, 400, 'parameterTooLong');
    expect(body).toContain('&quot;state&quot;');
    expect(await stored()).toEqual(before);
  });

  it('a state, claims and nonce at their limits are accepted (the limit is the only reason for the refusal)', async () => {
    const before = await stored();
    const claims = JSON.stringify({ id_token: { email: null, pad: { value: 'p'.repeat(PARAMETER_MAX_LENGTHS.claims! - 100) } } });
    // Each at its own limit (together they would pass the 8 KiB the request as a whole may have).
    expect((await requestFrom(ip, await authUrl({ state: 's'.repeat(PARAMETER_MAX_LENGTHS.state!), nonce: 'n'.repeat(PARAMETER_MAX_LENGTHS.nonce!) }))).status).toBe(303);
    expect((await requestFrom(ip, await authUrl({ claims }))).status).toBe(303);
    expect((await stored()).interactions).toBe(before.interactions + 2);
    await expectRefused(await requestFrom(ip, await authUrl({ nonce: 'n'.repeat(PARAMETER_MAX_LENGTHS.nonce! + 1) })), 400, 'parameterTooLong');
    await expectRefused(await requestFrom(ip, await authUrl({ login_hint: `${'a'.repeat(2100)}@contoso.example` })), 400, 'parameterTooLong');
    expect((await stored()).interactions).toBe(before.interactions + 2);
  });

  it('a query over 8 KiB is refused with 414 requestTooLarge even when each value is within its limit', async () => {
    const before = await stored();
    const pads = Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`pad${i}`, 'p'.repeat(2000)]));
    const url = await authUrl({ state: 's'.repeat(2000), ...pads });
    expect(new URL(url).search.length).toBeGreaterThan(AUTHORIZATION_REQUEST_MAX_BYTES);
    await expectRefused(await requestFrom(ip, url), 414, 'requestTooLarge');
    expect(await stored()).toEqual(before);
  });

  it('an oversized logout state stores no session', async () => {
    const before = await stored();
    await expectRefused(await requestFrom(ip, `${foyer.issuer}/session/end?state=${'x'.repeat(7 * 1024)}`), 400, 'parameterTooLong');
    expect(await stored()).toEqual(before);
  });

  it('a pushed request over 8 KiB, or without a declared length, is refused before it is read', async () => {
    const before = await stored();
    const headers = { authorization: `Basic ${Buffer.from(`web-app:${DEMO_SECRET}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
    const params = { client_id: 'web-app', response_type: 'code', redirect_uri: 'http://127.0.0.1:9999/callback', scope: 'openid' };
    const big = new URLSearchParams({ ...params, state: 's'.repeat(AUTHORIZATION_REQUEST_MAX_BYTES) }).toString();
    await expectRefused(await requestFrom(ip, `${foyer.issuer}/request`, { method: 'POST', headers, body: big }), 413, 'requestTooLarge');
    const chunked = new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode(new URLSearchParams(params).toString()));
        c.close();
      },
    });
    await expectRefused(await requestFrom(ip, `${foyer.issuer}/request`, { method: 'POST', headers, body: chunked, duplex: 'half' } as RequestInit), 411, 'lengthRequired');
    expect(await stored()).toEqual(before);
    // The same request with a length and a normal state is pushed.
    const ok = await requestFrom(ip, `${foyer.issuer}/request`, { method: 'POST', headers, body: new URLSearchParams({ ...params, state: 'fine' }).toString() });
    expect(ok.status).toBe(201);
  });
});
