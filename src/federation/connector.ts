import { timingSafeEqual } from 'node:crypto';
import type { IdentityProviderConfig } from '../config/identity-providers-schema.js';
import { FederationError } from './federation-error.js';
import type { UpstreamIdentity } from './upstream-identity.js';

/**
 * The one interface every upstream IdP sits behind. A sign-in is two calls with a redirect in
 * between: `start` says where to send the browser and returns a `pending` record that the caller
 * keeps server-side (in the oidc-provider Interaction) until the callback; `finish` checks the
 * upstream's answer against that record and returns the guest's UpstreamIdentity, or throws a
 * FederationError. Connectors hold no per-sign-in state themselves, so any node can finish a
 * sign-in another node started.
 *
 * Callback URLs Foyer registers at upstreams (the caller passes exactly these):
 *   OIDC, Google, Microsoft, GitHub, Passport: GET  `${issuer}/federation/${id}/callback`
 *   SAML, Apple (form_post):         POST `${issuer}/federation/${id}/acs`   (SAML metadata at `/federation/${id}/metadata`)
 */
export interface Connector {
  readonly id: string;
  readonly type: IdentityProviderConfig['type'];
  readonly displayName: string;
  /**
   * Home-realm discovery order, as in Entra's redemption order: a federated IdP (an
   * organisation's own OIDC/SAML IdP, or a single Microsoft tenant) before a social/consumer one.
   */
  readonly category: 'federated' | 'social';
  readonly domains: readonly string[];
  readonly trustedForDomains: boolean;
  readonly trustMfa: boolean;
  readonly mfaAcrValues: readonly string[];
  /** `query`: the upstream comes back with a GET; `form_post`: with a cross-site POST (SAML, Apple). */
  readonly responseMode: 'query' | 'form_post';
  start(params: StartParams): Promise<StartResult>;
  finish(params: FinishParams): Promise<UpstreamIdentity>;
  /** SAML only: the SP metadata XML to give the IdP's administrator. */
  metadata?(): Promise<string>;
  /**
   * SAML with `allowIdpInitiated` only: verifies an unsolicited Response (no InResponseTo) as fully
   * as a solicited one, and gives its assertion ID and NotOnOrAfter for the single-use check.
   */
  /** SAML with `allowIdpInitiated`: the app an unsolicited sign-in is for. */
  readonly idpInitiatedApp?: string;
  finishUnsolicited?(params: Record<string, string>): Promise<UnsolicitedSignIn>;
  /**
   * SAML only: checks the IdP's single-logout request (HTTP-Redirect: the query as parsed and as
   * received, for the signature) and says whose sign-in it ends; throws a FederationError if unsigned or invalid.
   */
  logoutRequest?(params: { query: Record<string, string>; rawQuery: string }): Promise<SamlLogoutRequest>;
  /**
   * SAML with `sloUrl` only: a signed LogoutRequest (HTTP-Redirect) for the guest's sign-in, sent
   * when they sign out at Foyer. `requestId` is what the IdP's LogoutResponse must answer.
   */
  startLogout?(session: SamlSessionRef, relayState: string): Promise<{ redirectTo: string; requestId: string; issuedAt: number }>;
  /**
   * SAML only: checks the IdP's LogoutResponse (signed, from the IdP, status Success) and returns the
   * request ID it answers; `isPending` says whether Foyer sent a LogoutRequest with that ID.
   */
  logoutResponse?(params: { query: Record<string, string>; rawQuery: string; isPending: (requestId: string) => Promise<boolean> }): Promise<{ inResponseTo: string }>;
}

/** What a SAML IdP said of a sign-in, kept with the Foyer session so Foyer can ask the IdP to end it. */
export interface SamlSessionRef {
  nameId: string;
  nameIdFormat?: string;
  sessionIndex?: string;
}

/** A verified LogoutRequest: the identity whose Foyer sessions end, and where to send the LogoutResponse. */
export interface SamlLogoutRequest {
  issuer: string;
  subject: string;
  /** The request's ID: it is used once. */
  requestId: string;
  /** The IdP's SingleLogoutService with a signed LogoutResponse (absent without `sloUrl`). */
  respondTo?: string;
}

export interface StartParams {
  callbackUrl: string;
  /**
   * What to send as OIDC/OAuth `state` or SAML `RelayState` (the caller puts the interaction's uid
   * next to a random part, so the answer finds its sign-in without an index); random when absent. A
   * connector whose library makes its own state (Passport) ignores it: the caller sees that in
   * `pending` and keeps an index instead.
   */
  state?: string;
  /** The guest's email, passed on as `login_hint` where the upstream understands it. */
  loginHint?: string;
  /** The guest's email domain, passed on as `domain_hint` (Microsoft) or `hd` (Google). */
  domainHint?: string;
  /** The app asked for a fresh sign-in (`prompt=login` or `max_age`); forwarded upstream and checked on the way back. */
  reauthenticate?: Reauthentication;
}

/**
 * What the app asked of the sign-in's freshness. `force`: the person must authenticate again now
 * (OIDC `prompt=login`, SAML `ForceAuthn`); `maxAgeSeconds`: an authentication no older than this
 * (OIDC `max_age`; SAML has no such parameter, so ForceAuthn is sent and AuthnInstant is checked).
 * `startedAt` (epoch ms) is when Foyer sent the browser upstream: a forced authentication must be later.
 */
export interface Reauthentication {
  force: boolean;
  maxAgeSeconds?: number;
  startedAt: number;
}

export interface StartResult {
  redirectTo: string;
  pending: PendingUpstream;
}

export interface FinishParams {
  pending: PendingUpstream;
  /** The same URL given to `start`. */
  callbackUrl: string;
  /** The callback's query (GET) or form body (SAML POST). */
  params: Record<string, string>;
}

/**
 * Plain JSON, so it can live in the Interaction. It holds the PKCE verifier and nonce, so it must
 * stay server-side: never in a cookie, URL or page.
 */
export type PendingUpstream = PendingOidc | PendingOAuth | PendingSaml | PendingPassport;

export interface PendingOidc {
  kind: 'oidc';
  idpId: string;
  state: string;
  nonce: string;
  codeVerifier: string;
  createdAt: number;
  reauthenticate?: Reauthentication;
}

/** GitHub: plain OAuth 2.0, so no nonce. */
export interface PendingOAuth {
  kind: 'oauth';
  idpId: string;
  state: string;
  codeVerifier: string;
  createdAt: number;
  /** Never set for GitHub, which cannot be asked to re-authenticate (github-connector.ts). */
  reauthenticate?: Reauthentication;
}

/** A `type: passport` IdP: `session` is the strategy's own per-sign-in state (its PKCE verifier). */
export interface PendingPassport {
  kind: 'passport';
  idpId: string;
  /** The state the strategy sent; it finds the interaction again and must come back unchanged. */
  state: string;
  session: Record<string, unknown>;
  createdAt: number;
  /** Never set: a generic strategy cannot be asked to re-authenticate (passport-connector.ts). */
  reauthenticate?: Reauthentication;
}

export interface PendingSaml {
  kind: 'saml';
  idpId: string;
  /** The AuthnRequest ID the response's InResponseTo must echo. */
  requestId: string;
  /** Echoed back by the IdP; plays the part of OIDC's state. */
  relayState: string;
  createdAt: number;
  reauthenticate?: Reauthentication;
}

/** A pending record for another IdP or protocol means the callback does not belong to this sign-in. */
export function pendingFor<K extends PendingUpstream['kind']>(
  pending: PendingUpstream | undefined,
  kind: K,
  idpId: string,
): Extract<PendingUpstream, { kind: K }> {
  if (!pending || pending.kind !== kind || pending.idpId !== idpId) {
    throw new FederationError('state_mismatch', 'This sign-in response does not belong to the sign-in in progress. Start signing in again.', { idpId });
  }
  return pending as Extract<PendingUpstream, { kind: K }>;
}

export function safeEqual(a: string | undefined, b: string): boolean {
  if (a === undefined) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** A verified IdP-initiated SAML sign-in: the identity, and what makes the assertion single-use. */
export interface UnsolicitedSignIn {
  identity: UpstreamIdentity;
  assertionId: string;
  /** Epoch ms after which the assertion is refused anyway (so its ID need be kept no longer). */
  notOnOrAfter: number;
}
