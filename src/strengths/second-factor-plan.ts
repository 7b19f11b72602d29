import { SECOND_FACTORS, withMethods, type AuthMethod, type SecondFactor } from './authentication-methods.js';
import type { StrengthCatalog } from './strength-catalog.js';

/** What the user holds at Foyer (the MFA step asks once per page). */
export interface FactorsHeld {
  totp: boolean;
  passkeys: number;
  /** Passkeys are switched on (src/passkeys/). */
  passkeysAvailable: boolean;
}

/**
 * What the MFA step offers when strengths are required:
 * - `any`: no strength, any second factor will do (MFA as before strengths);
 * - `verify`: the user holds a factor that meets them: only those are offered;
 * - `enrol`: the user holds none yet: set up one that meets them;
 * - `proveThenRegister`: the user holds factors that do not meet them (TOTP, when a phishing-resistant
 *   strength is required): prove one, then register a passkey, which does;
 * - `unavailable`: nothing Foyer's MFA step can add meets them (the first sign-in decides, e.g. a
 *   strength that allows only a passkey at the home IdP): a page says what to do instead.
 */
export type SecondFactorPlan =
  | { kind: 'any' }
  | { kind: 'verify'; offer: SecondFactor[] }
  | { kind: 'enrol'; offer: SecondFactor[] }
  | { kind: 'proveThenRegister'; prove: SecondFactor[] }
  | { kind: 'unavailable' };

/** Whether adding `factor` to what the session did meets every required strength. */
export function factorMeets(catalog: StrengthCatalog, required: readonly string[], methods: readonly AuthMethod[], factor: SecondFactor): boolean {
  const after = withMethods(methods, factor);
  return required.every((id) => catalog.metBy(id, after) !== undefined);
}

export function planSecondFactor(catalog: StrengthCatalog, required: readonly string[], methods: readonly AuthMethod[], held: FactorsHeld): SecondFactorPlan {
  if (required.length === 0) return { kind: 'any' };
  const usable = SECOND_FACTORS.filter((f) => f !== 'passkey' || held.passkeysAvailable);
  const meets = usable.filter((f) => factorMeets(catalog, required, methods, f));
  const holds = (f: SecondFactor) => (f === 'totp' ? held.totp : f === 'passkey' ? held.passkeys > 0 : held.totp || held.passkeys > 0);
  const offer = meets.filter(holds);
  if (offer.length > 0 && offer.some((f) => f !== 'recoveryCode')) return { kind: 'verify', offer };
  if (!held.totp && held.passkeys === 0) {
    const enrol = meets.filter((f) => f !== 'recoveryCode');
    return enrol.length > 0 ? { kind: 'enrol', offer: enrol } : { kind: 'unavailable' };
  }
  // Held factors all fall short: proving one opens registering a passkey, when a passkey would do.
  if (meets.includes('passkey')) return { kind: 'proveThenRegister', prove: (['totp', 'recoveryCode'] as const).filter(holds) };
  return { kind: 'unavailable' };
}
