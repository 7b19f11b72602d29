import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, leakedInternals, refusalOf, type Refusal } from '../support/browserless.js';
import { SPA_APP, WEB_APP } from '../support/oidc-client.js';
import { DEMO_SECRET, startFoyer, type RunningFoyer } from '../support/start-foyer.js';

const FORM = 'application/x-www-form-urlencoded';
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

/** Every refusal: the expected 4xx, the expected stable code, and nothing internal in the body. */
function expectRefused(refusal: Refusal, status: number, code: string): void {
  expect(refusal.status, refusal.body.slice(0, 300)).toBe(status);
  expect(refusal.code).toBe(code);
  expect(leakedInternals(refusal.body)).toBeUndefined();
}

describe('malformed requests to the protocol endpoints get a 4xx with an error code, never a 5xx or internals', () => {
  let foyer: RunningFoyer;
  let authorize: (params: Record<string, string | undefined>) => string;

  beforeAll(async () => {
    foyer = await startFoyer();
    authorize = (params) => {
      const url = new URL(`${foyer.issuer}/auth`);
      const all = { client_id: WEB_APP.id, redirect_uri: WEB_APP.redirectUri, response_type: 'code', scope: 'openid', state: 'st', ...params };
      for (const [k, v] of Object.entries(all)) if (v !== undefined) url.searchParams.set(k, v);
      return url.href;
    };
  });
  afterAll(() => foyer?.stop());

  const browse = (url: string) => new Browser().request(url).then(refusalOf);
  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${foyer.issuer}${path}`, { method: 'POST', body, headers: { 'content-type': FORM, ...headers } }).then(refusalOf);

  describe('authorization endpoint (errors that cannot go back to the app are shown as a page)', () => {
    it('unknown client_id → 400 page invalid_client', async () => {
      const res = await browse(authorize({ client_id: 'no-such-app' }));
      expectRefused(res, 400, 'invalid_client');
      expect(res.body).toContain('Go back to the app and start the sign-in again.');
    });

    it('missing client_id → 400 page invalid_request', async () => {
      expectRefused(await browse(authorize({ client_id: undefined })), 400, 'invalid_request');
    });

    it('redirect_uri not registered for the app → 400 page invalid_redirect_uri, and no redirect to it', async () => {
      const res = await new Browser().request(authorize({ redirect_uri: 'https://evil.example/callback' }));
      expect(res.headers.get('location')).toBeNull();
      expectRefused(await refusalOf(res), 400, 'invalid_redirect_uri');
    });

    it('another app\'s redirect_uri → 400 invalid_redirect_uri', async () => {
      expectRefused(await browse(authorize({ redirect_uri: SPA_APP.redirectUri })), 400, 'invalid_redirect_uri');
    });

    // With a valid client and redirect_uri, OAuth reports errors to the app (RFC 6749 section
    // 4.1.2.1): a redirect carrying the code, not a 4xx page.
    it('unsupported response_type → redirect to the app with unsupported_response_type', async () => {
      const res = await new Browser().request(authorize({ response_type: 'bogus' }));
      expect(res.status).toBe(303);
      const location = new URL(res.headers.get('location')!);
      expect(`${location.origin}${location.pathname}`).toBe(WEB_APP.redirectUri);
      expect(location.searchParams.get('error')).toBe('unsupported_response_type');
      expect(location.searchParams.get('state')).toBe('st');
      expect(location.searchParams.has('code')).toBe(false);
    });

    it('a response_type the app is not registered for (implicit) → redirect with invalid_request in the fragment', async () => {
      const res = await new Browser().request(authorize({ response_type: 'id_token', nonce: 'n' }));
      expect(res.status).toBe(303);
      const fragment = new URLSearchParams(new URL(res.headers.get('location')!).hash.slice(1));
      expect(fragment.get('error')).toBe('invalid_request');
      expect(fragment.has('id_token')).toBe(false);
    });
  });

  describe('token endpoint', () => {
    const auth = { authorization: basic(WEB_APP.id, DEMO_SECRET) };

    it('malformed body → 400 invalid_request', async () => {
      expectRefused(await post('/token', '%zz=%%&&grant', auth), 400, 'invalid_request');
    });

    it('unknown grant_type → 400 unsupported_grant_type', async () => {
      expectRefused(await post('/token', 'grant_type=password&username=a&password=b', auth), 400, 'unsupported_grant_type');
    });

    it('JSON instead of a form → 400 invalid_request', async () => {
      const res = await post('/token', JSON.stringify({ grant_type: 'client_credentials' }), { ...auth, 'content-type': 'application/json' });
      expectRefused(res, 400, 'invalid_request');
    });

    it('an authorization code that was never issued → 400 invalid_grant', async () => {
      const body = new URLSearchParams({ grant_type: 'authorization_code', code: 'made-up', redirect_uri: WEB_APP.redirectUri, code_verifier: 'v'.repeat(43) });
      expectRefused(await post('/token', body.toString(), auth), 400, 'invalid_grant');
    });

    it('a body far larger than any token request → 4xx invalid_request', async () => {
      expectRefused(await post('/token', `grant_type=refresh_token&refresh_token=${'a'.repeat(200_000)}`, auth), 400, 'invalid_request');
    });

    it('a wrong secret → 401 invalid_client', async () => {
      expectRefused(await post('/token', 'grant_type=client_credentials', { authorization: basic('daemon-app', 'x'.repeat(40)) }), 401, 'invalid_client');
    });
  });

  describe('userinfo endpoint', () => {
    it('no token → 401 invalid_token with a Bearer challenge', async () => {
      const res = await fetch(`${foyer.issuer}/me`);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm=/);
      expectRefused(await refusalOf(res), 401, 'invalid_token');
    });

    it('a made-up token → 401 invalid_token', async () => {
      const res = await fetch(`${foyer.issuer}/me`, { headers: { authorization: 'Bearer not-a-real-token' } });
      expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
      expectRefused(await refusalOf(res), 401, 'invalid_token');
    });

    it('a token in the wrong scheme → 400 invalid_request', async () => {
      expectRefused(await fetch(`${foyer.issuer}/me`, { headers: { authorization: 'Basic Zm9vOmJhcg==' } }).then(refusalOf), 400, 'invalid_request');
    });
  });

  describe('introspection and revocation endpoints', () => {
    for (const path of ['/token/introspection', '/token/revocation']) {
      it(`${path} without client authentication → 400 invalid_request`, async () => {
        expectRefused(await post(path, 'token=abc'), 400, 'invalid_request');
      });

      it(`${path} with a client_id but no secret → 401 invalid_client`, async () => {
        expectRefused(await post(path, `token=abc&client_id=${WEB_APP.id}`), 401, 'invalid_client');
      });

      it(`${path} without the token parameter → 400 invalid_request`, async () => {
        expectRefused(await post(path, '', { authorization: basic(WEB_APP.id, DEMO_SECRET) }), 400, 'invalid_request');
      });
    }
  });

  describe('end_session endpoint', () => {
    it('an id_token_hint that is not a JWT → 400 invalid_request page', async () => {
      expectRefused(await browse(`${foyer.issuer}/session/end?id_token_hint=garbage`), 400, 'invalid_request');
    });
  });
});
