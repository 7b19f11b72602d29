/**
 * Foyer's authentication methods: what one sign-in did, in words an authentication strength can
 * list (Graph's authenticationMethodModes, translated to what Foyer has). A session's methods are
 * kept with its sign-in facts (src/access/sign-in-facts.ts), so SSO into a stricter app knows them.
 *
 * | method           | what happened                                                        | RFC 8176 amr   |
 * |------------------|----------------------------------------------------------------------|----------------|
 * | password         | a member's password at Foyer                                         | pwd            |
 * | emailOtp         | a one-time passcode mailed to the guest                              | otp            |
 * | federated        | the guest's home IdP signed them in                                  | fed            |
 * | totp             | Foyer's authenticator-app code                                       | otp            |
 * | recoveryCode     | one of Foyer's recovery codes                                        | (none)         |
 * | passkey          | a passkey at Foyer, user verified (a second factor or passwordless)  | hwk/swk, user  |
 * | upstreamMfa      | MFA at the home IdP that the partner/IdP settings trust              | mfa            |
 * | upstreamPasskey  | a passkey / security key at the home IdP, trusted and recent enough  | mfa (+ hwk)    |
 */
export const AUTH_METHODS = ['password', 'emailOtp', 'federated', 'totp', 'recoveryCode', 'passkey', 'upstreamMfa', 'upstreamPasskey'] as const;
export type AuthMethod = (typeof AUTH_METHODS)[number];

/** The methods Foyer's own MFA step can add to a session (the others come from the first sign-in). */
export const SECOND_FACTORS = ['passkey', 'totp', 'recoveryCode'] as const satisfies readonly AuthMethod[];
export type SecondFactor = (typeof SECOND_FACTORS)[number];

export function isAuthMethod(value: string): value is AuthMethod {
  return (AUTH_METHODS as readonly string[]).includes(value);
}

/**
 * The first factor of a session that predates recorded methods, from what oidc-provider kept
 * (amr) and the IdP. Only the first factor: an MFA step or upstream MFA of an older session is
 * not guessed, so such a session is asked again rather than let through on a guess.
 */
export function firstFactorOf(identityProvider: string | undefined, amr: readonly string[]): AuthMethod[] {
  if (identityProvider === 'email-otp') return ['emailOtp'];
  if (amr.includes('fed')) return ['federated'];
  if (identityProvider === 'local' && amr.includes('pwd')) return ['password'];
  return [];
}

/** Adds methods without duplicates, in a stable order (the order of AUTH_METHODS). */
export function withMethods(methods: readonly AuthMethod[], ...more: AuthMethod[]): AuthMethod[] {
  const all = new Set([...methods, ...more]);
  return AUTH_METHODS.filter((m) => all.has(m));
}
