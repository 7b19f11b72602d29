import type { KoaContextWithOIDC } from 'oidc-provider';
import type { User } from '../directory/user-model.js';

/**
 * Which claims each scope releases. acr and amr ride on the openid scope so every ID token says
 * how the user signed in (oidc-provider otherwise only includes them when an app requests them).
 */
export const SCOPE_CLAIMS: Record<string, string[]> = {
  openid: ['sub', 'acr', 'amr'],
  email: ['email', 'email_verified'],
  profile: ['name', 'preferred_username', 'user_type'],
};

/**
 * What tokens carry beyond the claims above (src/claims/: app roles, groups, optional claims).
 * oidc-provider drops claims it was not told about, so the hook names the ones it adds.
 */
export interface TokenClaimsHook {
  /** Claim names released with the openid scope (the hook decides per app which it sends). */
  openidClaims: string[];
  /** ID token and userinfo: the final claims, from Foyer's base claims and the granted scope. */
  idToken(ctx: KoaContextWithOIDC | undefined, clientId: string, user: User, base: Record<string, unknown>, scope: string): Promise<Record<string, unknown>>;
  /** Whether this app's access tokens get anything (most apps: no, and the token path reads nothing). */
  addsToAccessTokens(clientId: string): boolean;
  /** A user's access token for this app: what to add, or undefined. */
  accessToken(ctx: KoaContextWithOIDC | undefined, clientId: string, user: User): Promise<Record<string, unknown> | undefined>;
}
