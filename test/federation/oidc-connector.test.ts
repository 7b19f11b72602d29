import { createServer } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { oidcIdpSchema } from '../../src/config/identity-providers-schema.js';
import type { Connector, PendingOidc } from '../../src/federation/connector.js';
import { createConnector } from '../../src/federation/create-connector.js';
import { FederationError } from '../../src/federation/federation-error.js';
import { upstreamMfaSatisfied } from '../../src/federation/upstream-trust.js';
import { createLogger } from '../../src/logging/logger.js';
import { Browser } from '../support/browserless.js';
import { signInAtPartner, startPartnerIdp, type PartnerIdp } from '../support/partner-idp.js';

const FOYER = 'http://127.0.0.1:3999';
const CALLBACK = `${FOYER}/federation/partner/callback`;
const SECRET = 'partner-client-secret-for-foyer-0123456789';
const logger = createLogger('silent');

let partner: PartnerIdp;

beforeAll(async () => {
  partner = await startPartnerIdp({ clients: [{ clientId: 'foyer', clientSecret: SECRET, authMethod: 'client_secret_basic', redirectUris: [CALLBACK] }] });
});
afterAll(() => partner.close());
afterEach(() => partner.tamperIdTokens(undefined));

function connectorFor(issuer: string, extra: Record<string, unknown> = {}): Connector {
  const idp = oidcIdpSchema.parse({ type: 'oidc', id: 'partner', displayName: 'Partner Corp', issuer, clientId: 'foyer', clientSecret: SECRET, ...extra });
  return createConnector(idp, { issuer: FOYER, logger });
}

async function signIn(connector: Connector, login: string | { cancel: true } = 'alice') {
  const { redirectTo, pending } = await connector.start({ callbackUrl: CALLBACK, loginHint: 'alice@partner.example' });
  const params = await signInAtPartner(new Browser(), redirectTo, login, CALLBACK);
  return { redirectTo, pending: pending as PendingOidc, params };
}

async function failure(promise: Promise<unknown>): Promise<FederationError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(FederationError);
  return err as FederationError;
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('OIDC connector against a real partner IdP', () => {
  it('signs a guest in with PKCE S256, state and nonce, and returns their identity', async () => {
    const connector = connectorFor(partner.issuer);
    const { redirectTo, pending, params } = await signIn(connector);
    const url = new URL(redirectTo);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url.searchParams.get('state')).toBe(pending.state);
    expect(url.searchParams.get('nonce')).toBe(pending.nonce);
    expect(url.searchParams.get('login_hint')).toBe('alice@partner.example');
    expect(JSON.parse(JSON.stringify(pending))).toEqual(pending);

    const identity = await connector.finish({ pending, callbackUrl: CALLBACK, params });
    expect(identity).toEqual({
      idpId: 'partner',
      issuer: partner.issuer,
      subject: 'alice-0001',
      email: 'alice@partner.example',
      emailVerified: true,
      name: 'Alice Partner',
      amr: ['pwd'],
      acr: 'urn:partner:acr:pwd',
    });
  });

  it('passes the upstream amr through, so trusted home MFA can count', async () => {
    const connector = connectorFor(partner.issuer, { trustMfa: true });
    const { pending, params } = await signIn(connector, 'bob');
    const identity = await connector.finish({ pending, callbackUrl: CALLBACK, params });
    expect(identity.amr).toEqual(['pwd', 'mfa']);
    expect(identity.acr).toBe('urn:partner:acr:mfa');
    expect(upstreamMfaSatisfied(connector, identity)).toBe(true);
    expect(upstreamMfaSatisfied({ trustMfa: false, mfaAcrValues: [] }, identity)).toBe(false);
  });

  it('finishes two sign-ins at once on one connector, each as its own person (one strategy per configuration, one run per answer)', async () => {
    const connector = connectorFor(partner.issuer);
    const alice = await signIn(connector, 'alice');
    const bob = await signIn(connector, 'bob');
    const [a, b] = await Promise.all([
      connector.finish({ pending: alice.pending, callbackUrl: CALLBACK, params: alice.params }),
      connector.finish({ pending: bob.pending, callbackUrl: CALLBACK, params: bob.params }),
    ]);
    expect([a.subject, a.email]).toEqual(['alice-0001', 'alice@partner.example']);
    expect([b.subject, b.email]).toEqual(['bob-0002', 'bob@partner.example']);
    // Bob's answer with Alice's verifier and nonce (his own state): the shared strategy keeps nothing of a run.
    const crossed = await signIn(connector, 'bob');
    const err = await failure(connector.finish({ pending: { ...alice.pending, state: crossed.pending.state }, callbackUrl: CALLBACK, params: crossed.params }));
    expect(err.code).toBe('upstream_error');
    expect(err.details.upstreamError).toBe('invalid_grant');
  });

  it('reports an unverified upstream email as unverified', async () => {
    const connector = connectorFor(partner.issuer);
    const { pending, params } = await signIn(connector, 'carol');
    const identity = await connector.finish({ pending, callbackUrl: CALLBACK, params });
    expect(identity).toMatchObject({ email: 'carol@elsewhere.example', emailVerified: false });
  });

  it('rejects a callback whose state is not the one it sent (state_mismatch)', async () => {
    const connector = connectorFor(partner.issuer);
    const { pending, params } = await signIn(connector);
    const err = await failure(connector.finish({ pending, callbackUrl: CALLBACK, params: { ...params, state: 'forged-state' } }));
    expect(err.code).toBe('state_mismatch');
    expect(err.status).toBe(400);
  });

  it('rejects a pending record that belongs to another IdP (state_mismatch)', async () => {
    const connector = connectorFor(partner.issuer);
    const { pending, params } = await signIn(connector);
    const err = await failure(connector.finish({ pending: { ...pending, idpId: 'other' }, callbackUrl: CALLBACK, params }));
    expect(err.code).toBe('state_mismatch');
  });

  it('refuses a replayed callback: the second finish with the same code fails', async () => {
    const connector = connectorFor(partner.issuer);
    const { pending, params } = await signIn(connector);
    await connector.finish({ pending, callbackUrl: CALLBACK, params });
    const err = await failure(connector.finish({ pending, callbackUrl: CALLBACK, params }));
    expect(err.code).toBe('upstream_error');
    expect(err.details.upstreamError).toBe('invalid_grant');
  });

  it('fails when the PKCE code_verifier does not match the challenge', async () => {
    const connector = connectorFor(partner.issuer);
    const { pending, params } = await signIn(connector);
    const err = await failure(connector.finish({ pending: { ...pending, codeVerifier: 'x'.repeat(43) }, callbackUrl: CALLBACK, params }));
    expect(err.code).toBe('upstream_error');
    expect(err.details.upstreamError).toBe('invalid_grant');
  });

  it('rejects an ID token signed with a key the partner never published (invalid_signature)', async () => {
    const connector = connectorFor(partner.issuer);
    const { pending, params } = await signIn(connector);
    partner.tamperIdTokens({ foreignKey: true });
    expect((await failure(connector.finish({ pending, callbackUrl: CALLBACK, params }))).code).toBe('invalid_signature');
  });

  it('rejects an ID token issued to another client (wrong_audience)', async () => {
    const connector = connectorFor(partner.issuer);
    const { pending, params } = await signIn(connector);
    partner.tamperIdTokens({ claims: (c) => ({ ...c, aud: 'some-other-app' }) });
    expect((await failure(connector.finish({ pending, callbackUrl: CALLBACK, params }))).code).toBe('wrong_audience');
  });

  it('rejects an ID token from another issuer (wrong_issuer)', async () => {
    const connector = connectorFor(partner.issuer);
    const { pending, params } = await signIn(connector);
    partner.tamperIdTokens({ claims: (c) => ({ ...c, iss: 'https://evil.example' }) });
    expect((await failure(connector.finish({ pending, callbackUrl: CALLBACK, params }))).code).toBe('wrong_issuer');
  });

  it('rejects an authorization response that names another issuer (RFC 9207 mix-up defence)', async () => {
    const connector = connectorFor(partner.issuer);
    const { pending, params } = await signIn(connector);
    expect(params.iss).toBe(partner.issuer);
    expect((await failure(connector.finish({ pending, callbackUrl: CALLBACK, params: { ...params, iss: 'https://evil.example' } }))).code).toBe('wrong_issuer');
  });

  it('rejects an expired ID token (expired_assertion)', async () => {
    const connector = connectorFor(partner.issuer);
    const { pending, params } = await signIn(connector);
    const past = Math.floor(Date.now() / 1000) - 3600;
    partner.tamperIdTokens({ claims: (c) => ({ ...c, iat: past - 600, exp: past }) });
    expect((await failure(connector.finish({ pending, callbackUrl: CALLBACK, params }))).code).toBe('expired_assertion');
  });

  it('rejects an ID token whose nonce is not the one sent (nonce_mismatch)', async () => {
    const connector = connectorFor(partner.issuer);
    const { pending, params } = await signIn(connector);
    expect((await failure(connector.finish({ pending: { ...pending, nonce: 'another-nonce' }, callbackUrl: CALLBACK, params }))).code).toBe('nonce_mismatch');
  });

  it('turns an upstream error response into upstream_error with the upstream error code', async () => {
    const connector = connectorFor(partner.issuer);
    const { pending, params } = await signIn(connector, { cancel: true });
    expect(params.error).toBe('access_denied');
    const err = await failure(connector.finish({ pending, callbackUrl: CALLBACK, params }));
    expect(err.code).toBe('upstream_error');
    expect(err.details).toMatchObject({ idpId: 'partner', upstreamError: 'access_denied', upstreamErrorDescription: 'The user cancelled the sign-in.' });
    expect(err.message).toMatch(/cancelled/);
  });

  it('fails quickly with upstream_unreachable when the IdP is down', async () => {
    const connector = connectorFor(`http://127.0.0.1:${await closedPort()}`);
    const started = Date.now();
    const err = await failure(connector.start({ callbackUrl: CALLBACK }));
    expect(err.code).toBe('upstream_unreachable');
    expect(err.status).toBe(502);
    expect(Date.now() - started).toBeLessThan(3000);
  });
});

describe('OIDC connector with a conformant partner (no scope claims in the ID token)', () => {
  let conformant: PartnerIdp;
  beforeAll(async () => {
    conformant = await startPartnerIdp({
      conformIdTokenClaims: true,
      clients: [{ clientId: 'foyer', clientSecret: SECRET, authMethod: 'client_secret_basic', redirectUris: [CALLBACK] }],
    });
  });
  afterAll(() => conformant.close());

  it('takes email and name from userinfo when the ID token has none', async () => {
    const connector = connectorFor(conformant.issuer);
    const { pending, params } = await signIn(connector);
    const identity = await connector.finish({ pending, callbackUrl: CALLBACK, params });
    expect(identity).toMatchObject({ subject: 'alice-0001', email: 'alice@partner.example', emailVerified: true, name: 'Alice Partner' });
  });
});
