/**
 * oidc-provider's router and @koa/router ignore letter case and one trailing slash: `/AUTH/`
 * reaches the authorization endpoint and `/Token` the token endpoint. The review of issue 20 found
 * that middleware deciding by path compared the raw path, so such a variant reached the endpoint
 * while skipping the per-address budgets, the size caps on authorization parameters and (for the
 * path-gated middleware added in issue 20) the sign-in log. Each check now compares the path as the
 * router matches it (src/http/route-path.ts). Every case first shows that the variant does reach
 * the endpoint, so the refusal can only come from the check.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as client from 'openid-client';
import { routePath } from '../../src/http/route-path.js';
import { isAuthorizationPath, isEndSessionPath } from '../../src/provider/protocol-paths.js';
import { startAuthorization, webAppClient } from '../support/oidc-client.js';
import { startFoyer, type RunningFoyer } from '../support/start-foyer.js';
import { expectRefused, requestFrom, storedCount } from './support/anonymous-flood.js';

const TOKEN_BUDGET = 3;
let foyer: RunningFoyer;
let app: client.Configuration;
beforeAll(async () => {
  foyer = await startFoyer((config) => {
    config.server = { ...(config.server as object), trustProxy: true };
    config.limits = { tokenRequestsPerIpPerMinute: TOKEN_BUDGET };
  });
  app = await webAppClient(foyer.issuer);
}, 60_000);
afterAll(() => foyer?.stop());

const interactions = () => storedCount(foyer.foyer.db, 'Interaction');
/** The app's authorization URL with its path replaced by `path`. */
const authAt = async (path: string, params: Record<string, string> = {}) => {
  const url = (await startAuthorization(app, params)).url;
  url.pathname = path;
  return url.href;
};
const tokenAt = (path: string, ip: string) =>
  fetch(`${foyer.issuer}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': ip },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'daemon-app', client_secret: 'not-the-secret' }),
  });

describe('path variants of the protocol endpoints get the same checks as the canonical path', () => {
  for (const path of ['/AUTH', '/Auth/', '/auth/']) {
    it(`${path}: reaches the authorization endpoint, and an oversized state there is refused with nothing stored`, async () => {
      const before = await interactions();
      expect((await requestFrom('192.0.2.10', await authAt(path))).status).toBe(303);
      expect(await interactions()).toBe(before + 1);
      await expectRefused(await requestFrom('192.0.2.10', await authAt(path, { state: 'x'.repeat(7 * 1024) })), 400, 'parameterTooLong');
      expect(await interactions()).toBe(before + 1);
    });
  }

  it('the token budget counts /TOKEN, /token/ and /Token against the same address as /token', async () => {
    const ip = '192.0.2.20';
    for (const path of ['/TOKEN', '/token/', '/Token']) expect((await tokenAt(path, ip)).status).toBe(401);
    const refused = await tokenAt('/token', ip);
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({ error: 'too_many_requests' });
    // A variant is refused as well once the budget is spent, and another address is not affected.
    expect((await tokenAt('/TOKEN/', ip)).status).toBe(429);
    expect((await tokenAt('/token', '192.0.2.21')).status).toBe(401);
  });
});

describe('routePath and the protocol path tests', () => {
  it('fold letter case and one trailing slash, as the routers do', () => {
    expect(routePath('/AUTH/')).toBe('/auth');
    expect(routePath('/')).toBe('/');
    expect(routePath('/Session/End/Confirm')).toBe('/session/end/confirm');
    for (const path of ['/auth', '/AUTH', '/Auth/', '/auth/abc', '/AUTH/abc/']) expect(isAuthorizationPath(path)).toBe(true);
    for (const path of ['/session/end', '/SESSION/END/', '/Session/End/Confirm']) expect(isEndSessionPath(path)).toBe(true);
    for (const path of ['/authorize', '/token', '/interaction/auth', '/session/ended']) {
      expect(isAuthorizationPath(path)).toBe(false);
      expect(isEndSessionPath(path)).toBe(false);
    }
  });
});
