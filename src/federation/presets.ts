import type { AppleIdpConfig, FacebookIdpConfig, GoogleIdpConfig, MicrosoftIdpConfig, OidcIdpConfig } from '../config/identity-providers-schema.js';
import type { StartParams } from './connector.js';
import type { PassportSettings } from './passport-connector.js';

type Hints = Omit<StartParams, 'callbackUrl'>;

/**
 * Everything the OIDC connector needs to know about one IdP. Generic `oidc` entries map onto it
 * one to one; the Google and Microsoft presets are thin expansions that fix the issuer and the
 * few vendor habits that matter for trust (how each says an email is verified).
 */
export interface OidcSettings {
  id: string;
  type: 'oidc' | 'google' | 'microsoft' | 'apple';
  displayName: string;
  category: 'federated' | 'social';
  issuer: string;
  clientId: string;
  clientSecret?: string;
  clientAuth: OidcIdpConfig['clientAuth'] | 'apple_client_secret_jwt';
  privateKeyJwk?: Record<string, unknown>;
  /** apple_client_secret_jwt: the key the client secret JWT is signed with. */
  appleKey?: { teamId: string; keyId: string; privateKey: string };
  /** `form_post`: the IdP answers with a cross-site POST to the ACS-style route (Apple); default `query`. */
  responseMode?: 'query' | 'form_post';
  scopes: string[];
  domains: string[];
  trustedForDomains: boolean;
  trustMfa: boolean;
  mfaAcrValues: string[];
  /** Microsoft multi-tenant: tenant ids (`tid`) allowed to sign in; empty allows any. */
  allowedTenants: string[];
  /** Authorization parameters derived from home-realm discovery hints. */
  hintParams(hints: Hints): Record<string, string>;
  /** Whether the claims prove the email belongs to the user; never assumed. */
  emailVerified(claims: Record<string, unknown>): boolean;
  /** Whether that verification holds for any address, not only the IdP's own `domains` (email-authority.ts). */
  emailVerifiedGlobally(claims: Record<string, unknown>): boolean;
}

export const GOOGLE_ISSUER = 'https://accounts.google.com';
export const microsoftIssuer = (tenant: string) => `https://login.microsoftonline.com/${tenant}/v2.0`;
const MULTI_TENANT = new Set(['common', 'organizations', 'consumers']);

const loginHint = (h: Hints): Record<string, string> => (h.loginHint ? { login_hint: h.loginHint } : {});
// Some IdPs send the string "true" (Cognito, older ADFS); anything else is not a verification.
const standardEmailVerified = (claims: Record<string, unknown>) => claims.email_verified === true || claims.email_verified === 'true';
const never = () => false;
// Entra's optional claim "email domain owner verified": the tenant proved it owns the address's domain.
const domainOwnerVerified = (claims: Record<string, unknown>) => claims.xms_edov === true || claims.xms_edov === '1';

export function oidcSettings(idp: OidcIdpConfig): OidcSettings {
  return {
    ...idp,
    category: 'federated',
    allowedTenants: [],
    hintParams: loginHint,
    emailVerified: standardEmailVerified,
    // A partner's own IdP vouches for its own domains only.
    emailVerifiedGlobally: never,
  };
}

export function googleSettings(idp: GoogleIdpConfig): OidcSettings {
  return {
    ...idp,
    category: 'social',
    issuer: GOOGLE_ISSUER,
    clientAuth: 'client_secret_basic',
    scopes: ['openid', 'email', 'profile'],
    mfaAcrValues: idp.mfaAcrValues,
    allowedTenants: [],
    hintParams: loginHint,
    // Google always sends email_verified; Workspace and gmail.com addresses are verified by Google,
    // and so is any other address a Google account was created with (by a mailed link).
    emailVerified: standardEmailVerified,
    emailVerifiedGlobally: standardEmailVerified,
  };
}

/**
 * Entra ID / Microsoft accounts. For common/organizations/consumers the discovery document's
 * issuer is the template `https://login.microsoftonline.com/{tenantid}/v2.0`; openid-client
 * recognises login.microsoftonline.com and checks each ID token's `iss` against the template
 * filled with the token's own `tid`, so the identity's issuer is the guest's real tenant.
 */
export function microsoftSettings(idp: MicrosoftIdpConfig): OidcSettings {
  const multiTenant = MULTI_TENANT.has(idp.tenant);
  return {
    ...idp,
    category: multiTenant ? 'social' : 'federated',
    issuer: microsoftIssuer(idp.tenant),
    clientAuth: 'client_secret_basic',
    scopes: ['openid', 'email', 'profile'],
    hintParams: (h): Record<string, string> => ({ ...loginHint(h), ...(h.domainHint ? { domain_hint: h.domainHint } : {}) }),
    // Entra's `email` is whatever an admin typed; only the optional claim `xms_edov` (email domain
    // owner verified) proves it. Without it the email is treated as unverified (the nOAuth lesson).
    emailVerified: (claims) => standardEmailVerified(claims) || domainOwnerVerified(claims),
    // Without xms_edov, a tenant's email_verified holds only for the domains configured for this IdP.
    emailVerifiedGlobally: domainOwnerVerified,
  };
}

export const FACEBOOK_ISSUER = 'https://www.facebook.com';

/**
 * Facebook Login through passport-facebook: appsecret_proof on Graph calls, the email asked for
 * explicitly (Graph returns only the fields named). Facebook does not say whether it verified the
 * address, so it is unverified unless the admin set `emailVerified` (and then only within `domains`).
 */
export function facebookSettings(idp: FacebookIdpConfig): PassportSettings {
  return {
    id: idp.id,
    type: 'facebook',
    displayName: idp.displayName,
    category: 'social',
    package: 'passport-facebook',
    export: 'Strategy',
    issuer: FACEBOOK_ISSUER,
    options: { clientID: idp.clientId, clientSecret: idp.clientSecret, scope: ['email'], profileFields: ['id', 'displayName', 'emails'], enableProof: true },
    profile: { subject: 'id', email: 'emails.0.value', name: 'displayName', emailVerified: idp.emailVerified },
    domains: idp.domains,
    trustedForDomains: idp.trustedForDomains,
  };
}

export const APPLE_ISSUER = 'https://appleid.apple.com';

/**
 * Sign in with Apple. Apple answers with response_mode=form_post (a cross-site POST, received like
 * a SAML response through the same-site hop) and its client secret is an ES256 JWT Foyer mints
 * (apple-client-secret.ts). Apple sends `email_verified` as a string or a boolean. Private relay
 * addresses (…@privaterelay.appleid.com) are ordinary verified addresses: mail to them reaches the
 * guest, and an invitation sent to the real address does not match them (docs/federation.md).
 */
export function appleSettings(idp: AppleIdpConfig): OidcSettings {
  return {
    id: idp.id,
    type: 'apple',
    displayName: idp.displayName,
    category: 'social',
    issuer: APPLE_ISSUER,
    clientId: idp.clientId,
    clientAuth: 'apple_client_secret_jwt',
    appleKey: { teamId: idp.teamId, keyId: idp.keyId, privateKey: idp.privateKey },
    responseMode: 'form_post',
    scopes: ['openid', 'email', 'name'],
    domains: idp.domains,
    trustedForDomains: idp.trustedForDomains,
    trustMfa: false,
    mfaAcrValues: [],
    allowedTenants: [],
    // Apple ignores login_hint; sending nothing keeps the request as Apple documents it.
    hintParams: () => ({}),
    emailVerified: standardEmailVerified,
    // Apple verifies every address it releases (the Apple ID's own, or a relay address it owns).
    emailVerifiedGlobally: standardEmailVerified,
  };
}
