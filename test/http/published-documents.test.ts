/**
 * `/jwks` and discovery are served from a body built once (src/provider/published-documents.ts):
 * the same bytes oidc-provider answers, with an ETag and 304 for a conditional GET, the CORS and
 * security headers of the route, and a new body when the signing keys rotate or the config is
 * reloaded. (Rotation through the periodic reload: test/ops/key-reload.test.ts.)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { startFoyer, type RunningFoyer } from '../support/start-foyer.js';

let foyer: RunningFoyer;
beforeAll(async () => {
  foyer = await startFoyer((config) => {
    config.server = { ...(config.server as object), keysReloadSeconds: 1 };
  });
}, 60_000);
afterAll(() => foyer?.stop());

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${foyer.issuer}${path}`, { headers });
// fetch adds `Cache-Control: no-cache` to a conditional request unless told otherwise, and a
// server must then answer in full; a client revalidating its copy sends max-age=0.
const revalidate = (path: string, etag: string) => get(path, { 'if-none-match': etag, 'cache-control': 'max-age=0' });

describe('published documents: /jwks and discovery', () => {
  for (const [path, type] of [['/jwks', 'application/jwk-set+json'], ['/.well-known/openid-configuration', 'application/json']] as const) {
    it(`${path}: the same answer every time, with an ETag; If-None-Match gets 304 and no body`, async () => {
      const first = await get(path);
      const second = await get(path, { origin: 'https://app.example' });
      expect(first.status).toBe(200);
      expect(second.status).toBe(200);
      expect(first.headers.get('content-type')).toContain(type);
      expect(second.headers.get('content-type')).toBe(first.headers.get('content-type'));
      const etag = first.headers.get('etag');
      expect(etag).toMatch(/^"[A-Za-z0-9_-]{20,}"$/);
      expect(second.headers.get('etag')).toBe(etag);
      const body = await first.text();
      expect(await second.text()).toBe(body);
      // oidc-provider's CORS on these routes: open to any origin.
      expect(first.headers.get('access-control-allow-origin')).toBe('*');
      expect(second.headers.get('access-control-allow-origin')).toBe('https://app.example');
      expect(second.headers.get('vary')).toMatch(/origin/i);
      expect(second.headers.get('x-content-type-options')).toBe('nosniff');
      expect(second.headers.get('x-request-id')).toBeTruthy();

      const cached = await revalidate(path, etag!);
      expect(cached.status).toBe(304);
      expect(await cached.text()).toBe('');
      expect(cached.headers.get('etag')).toBe(etag);
      const stale = await revalidate(path, '"something-else"');
      expect(stale.status).toBe(200);
      expect(await stale.text()).toBe(body);
      // An end-to-end reload (no-cache) gets the whole body.
      expect((await get(path, { 'if-none-match': etag!, 'cache-control': 'no-cache' })).status).toBe(200);
      const head = await fetch(`${foyer.issuer}${path}`, { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(head.headers.get('etag')).toBe(etag);
    });
  }

  it('discovery follows the issuer; the JWKS holds public keys only', async () => {
    const discovery = (await (await get('/.well-known/openid-configuration')).json()) as { issuer: string; jwks_uri: string; token_endpoint: string };
    expect(discovery).toMatchObject({ issuer: foyer.issuer, jwks_uri: `${foyer.issuer}/jwks`, token_endpoint: `${foyer.issuer}/token` });
    const { keys } = (await (await get('/jwks')).json()) as { keys: Record<string, unknown>[] };
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) expect(key).not.toHaveProperty('d');
  });

  it('counts the cached answers in the metrics under their route', async () => {
    await get('/jwks');
    await get('/jwks');
    const metrics = await (await get('/metrics')).text();
    expect(metrics).toMatch(/foyer_http_requests_total\{method="GET",route="\/jwks",status="200"\} ([3-9]|\d\d)/);
  });

  it('a key rotation publishes a new JWKS (new ETag): the kept body is dropped when the node reloads its keys', async () => {
    const before = await get('/jwks');
    const etag = before.headers.get('etag')!;
    const { added } = await foyer.foyer.keys.rotate(3600);
    // The node re-reads its keys every second here; without the cache being dropped this never ends.
    let after: Response;
    const deadline = Date.now() + 10_000;
    while ((after = await revalidate('/jwks', etag)).status === 304) {
      if (Date.now() > deadline) throw new Error('the rotated key was never published');
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(after.status).toBe(200);
    expect(after.headers.get('etag')).not.toBe(etag);
    const { keys } = (await after.json()) as { keys: { kid: string }[] };
    expect(keys.map((k) => k.kid)).toEqual(expect.arrayContaining(added));
  });

  it('a config reload rebuilds discovery (a new authentication strength is in acr_values_supported)', async () => {
    const before = (await (await get('/.well-known/openid-configuration')).json()) as { acr_values_supported: string[] };
    expect(before.acr_values_supported).not.toContain('urn:foyer:strength:partnerPasskey');
    const raw = parse(readFileSync(foyer.configFile, 'utf8')) as Record<string, unknown>;
    raw.authenticationStrengths = [{ id: 'partnerPasskey', displayName: 'Partner passkey', allowedCombinations: ['federated,upstreamPasskey'] }];
    writeFileSync(foyer.configFile, stringify(raw));
    expect(await foyer.foyer.reload()).toMatchObject({ result: 'applied' });
    const after = (await (await get('/.well-known/openid-configuration')).json()) as { acr_values_supported: string[] };
    expect(after.acr_values_supported).toContain('urn:foyer:strength:partnerPasskey');
  });
});

