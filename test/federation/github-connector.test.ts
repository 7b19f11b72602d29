import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { githubIdpSchema } from '../../src/config/identity-providers-schema.js';
import type { Connector } from '../../src/federation/connector.js';
import { createConnector } from '../../src/federation/create-connector.js';
import type { FederationError } from '../../src/federation/federation-error.js';
import { createLogger } from '../../src/logging/logger.js';
import { Browser } from '../support/browserless.js';
import { startFakeGithub, type FakeGithub } from '../support/fake-github.js';

const FOYER = 'http://127.0.0.1:3999';
const CALLBACK = `${FOYER}/federation/github/callback`;
const logger = createLogger('silent');

let github: FakeGithub;
let connector: Connector;
beforeAll(async () => {
  github = await startFakeGithub();
  const idp = githubIdpSchema.parse({ type: 'github', clientId: github.clientId, clientSecret: github.clientSecret });
  connector = createConnector(idp, { issuer: FOYER, logger }, { githubBaseUrlOverride: github.baseUrl });
});
afterAll(() => github.close());
beforeEach(() => github.signInAs('octocat'));

async function authorize(login: string | 'deny' = 'octocat') {
  github.signInAs(login);
  const { redirectTo, pending } = await connector.start({ callbackUrl: CALLBACK });
  const page = await new Browser().navigate(redirectTo, { stopAt: [CALLBACK] });
  return { redirectTo, pending, params: Object.fromEntries(new URL(page.stoppedAt!).searchParams) };
}

const failure = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as FederationError);

describe('GitHub connector against a loopback GitHub', () => {
  it('signs in with state and PKCE S256 and takes the primary verified email from the API', async () => {
    const { redirectTo, pending, params } = await authorize();
    const url = new URL(redirectTo);
    expect(url.pathname).toBe('/login/oauth/authorize');
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('scope')).toContain('user:email');
    const identity = await connector.finish({ pending, callbackUrl: CALLBACK, params });
    expect(identity).toEqual({
      idpId: 'github',
      issuer: 'https://github.com',
      subject: '583231',
      email: 'octocat@github.example',
      emailVerified: true,
      // GitHub's verified addresses count for any domain (email-authority.ts).
      emailVerifiedGlobally: true,
      name: 'The Octocat',
      amr: [],
    });
  });

  it('takes only the primary email: a verified secondary one proves nothing (GitHub never checks it again, so a recycled address stays verified), and names the user by login', async () => {
    const { pending, params } = await authorize('hubot');
    const identity = await connector.finish({ pending, callbackUrl: CALLBACK, params });
    expect(identity).toMatchObject({ subject: '1000002', email: 'hubot-new@example.org', emailVerified: false, name: 'hubot' });
    expect(identity.emailVerifiedGlobally).toBeUndefined();
  });

  it('returns the primary email marked unverified when the user has no verified email', async () => {
    const { pending, params } = await authorize('newbie');
    const identity = await connector.finish({ pending, callbackUrl: CALLBACK, params });
    expect(identity).toMatchObject({ subject: '1000003', email: 'newbie@example.org', emailVerified: false });
  });

  it('refuses a replayed callback (GitHub answers bad_verification_code)', async () => {
    const { pending, params } = await authorize();
    await connector.finish({ pending, callbackUrl: CALLBACK, params });
    const err = await failure(connector.finish({ pending, callbackUrl: CALLBACK, params }));
    expect(err).toMatchObject({ code: 'upstream_error', details: { upstreamError: 'bad_verification_code' } });
  });

  it('rejects a callback with the wrong state or a wrong PKCE verifier', async () => {
    const { pending, params } = await authorize();
    expect(await failure(connector.finish({ pending, callbackUrl: CALLBACK, params: { ...params, state: 'forged' } }))).toMatchObject({ code: 'state_mismatch' });
    const wrongVerifier = { ...pending, codeVerifier: 'y'.repeat(43) };
    expect(await failure(connector.finish({ pending: wrongVerifier, callbackUrl: CALLBACK, params }))).toMatchObject({ code: 'upstream_error' });
  });

  it('turns a denied authorization into upstream_error access_denied', async () => {
    const { pending, params } = await authorize('deny');
    const err = await failure(connector.finish({ pending, callbackUrl: CALLBACK, params }));
    expect(err).toMatchObject({ code: 'upstream_error', details: { upstreamError: 'access_denied' } });
  });

  it('fails with upstream_unreachable when GitHub cannot be reached', async () => {
    const { pending, params } = await authorize();
    const idp = githubIdpSchema.parse({ type: 'github', clientId: github.clientId, clientSecret: github.clientSecret });
    const offline = createConnector(idp, { issuer: FOYER, logger }, { githubBaseUrlOverride: 'http://127.0.0.1:9' });
    expect(await failure(offline.finish({ pending, callbackUrl: CALLBACK, params }))).toMatchObject({ code: 'upstream_unreachable', status: 502 });
  });
});
