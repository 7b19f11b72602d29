import type { AuthMethod } from './authentication-methods.js';

/**
 * Graph's built-in authentication strengths, translated to Foyer's methods. A combination is met
 * when a sign-in used every method it lists (more is fine: a password typed before a passkey does
 * not make the passkey weaker). Foyer has no phone sign-in, so passwordlessMfa and
 * phishingResistantMfa allow the same combinations here; they stay two ids so that policies
 * written for Entra read the same.
 */
export interface StrengthDefinition {
  id: string;
  displayName: string;
  description: string;
  allowedCombinations: AuthMethod[][];
}

const PHISHING_RESISTANT: AuthMethod[][] = [['passkey'], ['federated', 'upstreamPasskey']];

export const BUILT_IN_STRENGTHS: readonly StrengthDefinition[] = [
  {
    id: 'phishingResistantMfa',
    displayName: 'Phishing-resistant MFA',
    description: 'A passkey at Foyer, or a passkey or security key at a trusted home IdP (recent enough).',
    allowedCombinations: PHISHING_RESISTANT,
  },
  {
    id: 'passwordlessMfa',
    displayName: 'Passwordless MFA',
    description: 'Passwordless methods that satisfy MFA: the same as phishing-resistant MFA in Foyer.',
    allowedCombinations: PHISHING_RESISTANT,
  },
  {
    id: 'mfa',
    displayName: 'Multifactor authentication',
    description: 'Any second factor: an authenticator app, a recovery code, a passkey, or trusted MFA at the home IdP.',
    allowedCombinations: [
      ['passkey'],
      ['password', 'totp'],
      ['password', 'recoveryCode'],
      ['emailOtp', 'totp'],
      ['emailOtp', 'recoveryCode'],
      ['federated', 'totp'],
      ['federated', 'recoveryCode'],
      ['federated', 'upstreamMfa'],
      ['federated', 'upstreamPasskey'],
    ],
  },
];

/** Strongest first: the ID token's acr names the first of these a sign-in met. */
export const BUILT_IN_ORDER = BUILT_IN_STRENGTHS.map((s) => s.id);
