/**
 * The acr Foyer asserts when a sign-in included MFA (Foyer's TOTP step, or MFA at a trusted home
 * IdP). The same value src/interaction/complete-sign-in.ts uses; kept here too so the conditional
 * access code (and the CLI) need not load the sign-in journey and oidc-provider to know it.
 */
export const ACR_MFA = 'urn:foyer:acr:mfa';
