/**
 * Passkeys (src/passkeys/): WebAuthn credentials as a second factor (the MFA step), as members'
 * passwordless sign-in, and managed from My Apps. It owns the passkeys table, the challenges (kept
 * in oidc-provider's store, single use) and the browser script; the pages that use them belong to
 * the MFA step (src/mfa/), the login step (src/interaction/) and My Apps (src/portal/).
 */
import type { SharedServices } from '../core/shared-services.js';
import { PasskeyRepository } from './passkey-repository.js';
import { PasskeyService } from './passkey-service.js';

/** The oidc-provider adapter model challenges are kept under. */
export const PASSKEY_CHALLENGE_MODEL = 'FoyerPasskeyChallenge';

export function wirePasskeys(shared: SharedServices): { service: PasskeyService } {
  const { config, db } = shared;
  const service = new PasskeyService({
    passkeys: new PasskeyRepository(db),
    challenges: shared.adapters(PASSKEY_CHALLENGE_MODEL),
    issuer: config.issuer,
    rpName: config.tenant.displayName,
  });
  return { service };
}
