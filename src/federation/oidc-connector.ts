import { createHash, webcrypto } from 'node:crypto';
import * as client from 'openid-client';
import { Strategy as PassportOidcStrategy } from 'openid-client/passport';
import { isLoopbackUrl } from '../config/identity-providers-schema.js';
import type { Logger } from '../logging/logger.js';
import { pendingFor, safeEqual, type Connector, type PendingOidc } from './connector.js';
import { appleClientSecretPost } from './apple-client-secret.js';
import { createDiscoveryCache, type DiscoveryCache } from './discovery-cache.js';
import { FederationError } from './federation-error.js';
import { nodeHttpFetch } from './node-http-fetch.js';
import { toFederationError } from './oidc-errors.js';
import { runStrategy } from './passport-run.js';
import type { OidcSettings } from './presets.js';
import { pickAssertions, type UpstreamIdentity } from './upstream-identity.js';

export interface OidcConnectorOptions {
  logger: Logger;
  /** Claims to keep on the identity (UpstreamIdentity.assertions). */
  assertedClaims?: readonly string[];
  /** Seconds to wait for the IdP's endpoints (discovery, token, JWKS, userinfo). */
  timeoutSeconds?: number;
  discoveryTtlMs?: number;
  discoveryRetryAfterMs?: number;
}

/**
 * Authorization code flow with PKCE S256, state and nonce against any OpenID Provider, through
 * openid-client v6 (the answer checked by its Passport strategy; never passport-openidconnect: docs/decisions.md). Non-repudiation checks are switched on so the ID token's signature is
 * verified against the IdP's JWKS even though it arrived over TLS (OIDC Core would allow
 * skipping that); the issue asks for full ID token validation.
 */
export function createOidcConnector(settings: OidcSettings, opts: OidcConnectorOptions): Connector & { discovery: DiscoveryCache<client.Configuration> } {
  const timeout = opts.timeoutSeconds ?? 10;
  const discovery = createDiscoveryCache(() => discover(settings, timeout), {
    idpId: settings.id,
    displayName: settings.displayName,
    logger: opts.logger,
    ttlMs: opts.discoveryTtlMs,
    retryAfterMs: opts.discoveryRetryAfterMs,
  });

  // One strategy per discovered configuration, not one per callback: constructing one clones the
  // IdP's metadata (structuredClone; 0.4% of Foyer's CPU in a guest sign-in, bench profile). It is
  // never changed after construction (runStrategy runs each sign-in on an object of its own on top
  // of it), and a refreshed configuration gets a new one.
  let strategy: { config: client.Configuration; instance: OidcStrategy } | undefined;
  const strategyFor = (config: client.Configuration): OidcStrategy => {
    if (strategy?.config !== config) strategy = { config, instance: new OidcStrategy(config, settings.id) };
    return strategy.instance;
  };

  return {
    id: settings.id,
    type: settings.type,
    displayName: settings.displayName,
    category: settings.category,
    domains: settings.domains,
    trustedForDomains: settings.trustedForDomains,
    trustMfa: settings.trustMfa,
    mfaAcrValues: settings.mfaAcrValues,
    responseMode: settings.responseMode ?? 'query',
    discovery,

    async start({ callbackUrl, reauthenticate, state: wanted, ...hints }) {
      const config = await discovery.get();
      const state = wanted ?? client.randomState();
      const nonce = client.randomNonce();
      const codeVerifier = client.randomPKCECodeVerifier();
      // The request openid-client's Passport strategy would build for these options (its
      // authorizationRequest: scope, redirect_uri, PKCE S256), built here directly: running the
      // strategy cost a synthetic request and a WebCrypto digest job for the PKCE challenge, about
      // 6% of Foyer's CPU in a guest sign-in (bench profile). The answer is still checked by the
      // strategy (finish), against the verifier, state and nonce kept below.
      const redirectTo = client.buildAuthorizationUrl(config, {
        redirect_uri: new URL(callbackUrl).href,
        scope: settings.scopes.join(' '),
        // openid-client's strategy sends state and nonce only when the IdP lacks PKCE; Foyer sends
        // both always: `state` finds the interaction again, `nonce` binds the ID token to it.
        state,
        nonce,
        ...(settings.responseMode === 'form_post' ? { response_mode: 'form_post' } : {}),
        ...settings.hintParams(hints),
        // The app's "sign in again" reaches the guest's home IdP (checked against auth_time on the way back).
        ...(reauthenticate?.force ? { prompt: 'login' } : {}),
        ...(reauthenticate?.maxAgeSeconds !== undefined ? { max_age: String(reauthenticate.maxAgeSeconds) } : {}),
        code_challenge: pkceChallenge(codeVerifier),
        code_challenge_method: 'S256',
      });
      const pending: PendingOidc = {
        kind: 'oidc',
        idpId: settings.id,
        state,
        nonce,
        codeVerifier,
        createdAt: Date.now(),
        ...(reauthenticate ? { reauthenticate } : {}),
      };
      return { redirectTo: redirectTo.href, pending };
    },

    async finish({ pending, callbackUrl, params }) {
      const p = pendingFor(pending, 'oidc', settings.id);
      // State first: an error response for someone else's sign-in must not be shown as ours.
      if (!safeEqual(params.state, p.state)) {
        throw new FederationError('state_mismatch', 'This sign-in response does not belong to the sign-in in progress. Start signing in again.', { idpId: settings.id });
      }
      if (params.error) throw upstreamRefused(settings, params.error, params.error_description);

      const config = await discovery.get();
      const current = new URL(callbackUrl);
      // A form_post answer is checked like a query one; only the authorization response's own
      // fields are passed on (Apple adds `user`, which is read below and nowhere else).
      for (const [k, v] of Object.entries(params)) if (settings.responseMode !== 'form_post' || AUTHORIZATION_RESPONSE_FIELDS.has(k)) current.searchParams.set(k, v);
      // auth_time against prompt=login / max_age is checked by the callback for every connector
      // (upstream-freshness.ts), so the refusal has one code and one page whoever the IdP is: no
      // max_age in the strategy's state, so openid-client does not check it a second way.
      const session: Record<string, unknown> = { [SESSION_KEY]: { code_verifier: p.codeVerifier, state: p.state, nonce: p.nonce } };
      const outcome = await runStrategy(strategyFor(config), { method: 'GET', url: current, session });
      if (outcome.kind === 'error') throw toFederationError(outcome.error, settings);
      if (outcome.kind !== 'success') {
        throw new FederationError('invalid_response', `${settings.displayName} sent a response that does not answer this sign-in.`, { idpId: settings.id });
      }
      const tokens = outcome.user as client.TokenEndpointResponse & client.TokenEndpointResponseHelpers;
      const claims = tokens.claims();
      if (!claims) throw new FederationError('invalid_id_token', `${settings.displayName} did not send an ID token.`, { idpId: settings.id });
      const identity = await identityFrom(settings, config, claims, tokens.access_token, opts);
      return identity.name || settings.type !== 'apple' ? identity : { ...identity, ...appleFirstSignInName(params.user) };
    },
  };
}

/** RFC 7636's S256 challenge, as openid-client computes it, without a WebCrypto job. */
function pkceChallenge(codeVerifier: string): string {
  return createHash('sha256').update(codeVerifier).digest('base64url');
}

const AUTHORIZATION_RESPONSE_FIELDS = new Set(['code', 'state', 'iss', 'error', 'error_description', 'error_uri']);

/**
 * Apple puts the name in no token: only the first authorization's form POST carries it, as JSON in
 * `user`. It is unsigned, so it is used for the display name only (what the guest could type
 * anyway), never for matching or trust.
 */
function appleFirstSignInName(user: string | undefined): { name?: string } {
  if (!user) return {};
  try {
    const parsed = JSON.parse(user) as { name?: { firstName?: unknown; lastName?: unknown } };
    const parts = [parsed.name?.firstName, parsed.name?.lastName].filter((p): p is string => typeof p === 'string' && p.trim() !== '').map((p) => p.trim().slice(0, 100));
    return parts.length ? { name: parts.join(' ') } : {};
  } catch {
    return {};
  }
}

/** Where openid-client's strategy keeps its per-sign-in state in the (synthetic) session. */
const SESSION_KEY = 'oidc';

/**
 * openid-client's own Passport strategy (PKCE S256, and with the nonce full ID token validation,
 * signature included through enableNonRepudiationChecks), for the answer: it exchanges the code
 * and checks state, nonce and the verifier kept in the pending record. The verify step hands the
 * tokens back unchanged; the identity is built by the connector.
 */
class OidcStrategy extends PassportOidcStrategy {
  constructor(config: client.Configuration, name: string) {
    super({ config, name, sessionKey: SESSION_KEY }, (tokens, done) => done(null, tokens));
  }

  /**
   * The URL runStrategy's request is for. The library's own (the override point its docs name)
   * asks Express's `req.app` and `req.get` for the host first; the synthetic request has neither,
   * so it threw and caught a TypeError on every callback (0.8% of Foyer's CPU in a guest sign-in,
   * bench profile) before using `req.host`. The same URL from the same fields, without the throw.
   */
  override currentUrl(req: Parameters<PassportOidcStrategy['currentUrl']>[0]): URL {
    return new URL(`${req.protocol}://${req.host}${req.originalUrl ?? req.url}`);
  }
}

async function discover(settings: OidcSettings, timeout: number): Promise<client.Configuration> {
  const execute = [client.enableNonRepudiationChecks];
  if (isLoopbackUrl(settings.issuer)) execute.push(client.allowInsecureRequests);
  const config = await client.discovery(new URL(settings.issuer), settings.clientId, settings.clientSecret, await clientAuth(settings), {
    execute,
    timeout,
    [client.customFetch]: nodeHttpFetch,
  });
  config.timeout = timeout;
  config[client.customFetch] = nodeHttpFetch;
  return config;
}

async function clientAuth(settings: OidcSettings): Promise<client.ClientAuth> {
  switch (settings.clientAuth) {
    case 'apple_client_secret_jwt':
      return appleClientSecretPost(settings.appleKey!);
    case 'client_secret_post':
      return client.ClientSecretPost(settings.clientSecret);
    case 'private_key_jwt': {
      const jwk = settings.privateKeyJwk ?? {};
      const key = await webcrypto.subtle.importKey('jwk', jwk as webcrypto.JsonWebKey, importAlgorithm(jwk), false, ['sign']);
      return client.PrivateKeyJwt({ key: key as unknown as client.CryptoKey, kid: typeof jwk.kid === 'string' ? jwk.kid : undefined });
    }
    default:
      return client.ClientSecretBasic(settings.clientSecret);
  }
}

/** The WebCrypto algorithm for a private JWK; `alg` wins when present, else the usual default per key type. */
function importAlgorithm(jwk: Record<string, unknown>): webcrypto.EcKeyImportParams | webcrypto.RsaHashedImportParams | webcrypto.Algorithm {
  const alg = typeof jwk.alg === 'string' ? jwk.alg : undefined;
  if (jwk.kty === 'EC') return { name: 'ECDSA', namedCurve: typeof jwk.crv === 'string' ? jwk.crv : 'P-256' };
  if (jwk.kty === 'OKP') return { name: 'Ed25519' };
  const bits = alg?.slice(2) ?? '256';
  return { name: alg?.startsWith('PS') ? 'RSA-PSS' : 'RSASSA-PKCS1-v1_5', hash: `SHA-${bits}` };
}

function upstreamRefused(settings: OidcSettings, error: string, description?: string): FederationError {
  const message =
    error === 'access_denied'
      ? `You cancelled signing in at ${settings.displayName}, or it refused access.`
      : `${settings.displayName} could not sign you in (${error}).`;
  return new FederationError('upstream_error', message, { idpId: settings.id, upstreamError: error, upstreamErrorDescription: description });
}

async function identityFrom(
  settings: OidcSettings,
  config: client.Configuration,
  claims: client.IDToken,
  accessToken: string,
  { logger, assertedClaims }: OidcConnectorOptions,
): Promise<UpstreamIdentity> {
  if (settings.allowedTenants.length && !settings.allowedTenants.includes(String(claims.tid))) {
    throw new FederationError('wrong_issuer', `Your organisation's ${settings.displayName} tenant is not allowed to sign in here.`, { idpId: settings.id });
  }
  let profile: Record<string, unknown> = claims;
  // With conformant IdPs the ID token of a code flow carries no scope claims; they are at userinfo.
  const missing = typeof claims.email !== 'string' || (assertedClaims ?? []).some((c) => !Object.hasOwn(claims, c));
  if (missing && config.serverMetadata().userinfo_endpoint) {
    try {
      profile = { ...(await client.fetchUserInfo(config, accessToken, claims.sub)), ...claims };
    } catch (err) {
      // The identity itself (iss, sub) is proven; a missing email only limits linking.
      logger.warn({ idpId: settings.id, err: (err as Error).message }, 'userinfo request failed; continuing without email');
    }
  }
  const email = typeof profile.email === 'string' ? profile.email.trim() : undefined;
  return {
    idpId: settings.id,
    issuer: claims.iss,
    subject: claims.sub,
    ...(email ? { email } : {}),
    emailVerified: email ? settings.emailVerified(profile) : false,
    ...(email && settings.emailVerified(profile) && settings.emailVerifiedGlobally(profile) ? { emailVerifiedGlobally: true } : {}),
    ...(nameOf(profile) ? { name: nameOf(profile) } : {}),
    amr: Array.isArray(claims.amr) ? claims.amr.filter((m): m is string => typeof m === 'string') : [],
    ...(typeof claims.acr === 'string' ? { acr: claims.acr } : {}),
    ...(typeof claims.auth_time === 'number' ? { authTime: claims.auth_time } : {}),
    ...withAssertions(pickAssertions((name) => (Object.hasOwn(profile, name) ? profile[name] : undefined), assertedClaims)),
  };
}

function nameOf(profile: Record<string, unknown>): string | undefined {
  if (typeof profile.name === 'string' && profile.name.trim()) return profile.name.trim();
  const parts = [profile.given_name, profile.family_name].filter((p): p is string => typeof p === 'string' && p.trim() !== '');
  return parts.length ? parts.join(' ') : undefined;
}

function withAssertions(assertions: Record<string, string[]> | undefined): { assertions?: Record<string, string[]> } {
  return assertions ? { assertions } : {};
}
