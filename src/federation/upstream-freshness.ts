import type { Reauthentication } from './connector.js';
import { FederationError } from './federation-error.js';

/** Clocks of the upstream and Foyer may differ this much (the SAML connector accepts the same skew). */
const CLOCK_SKEW_SECONDS = 60;

/**
 * When the app asked for a fresh sign-in (prompt=login or max_age, forwarded upstream), the upstream
 * must say when the person authenticated, and that moment must satisfy the request: after Foyer sent
 * the browser upstream for a forced sign-in, within max_age otherwise. An upstream that ignored the
 * forwarded request (a silent sign-in from its own session) is refused rather than trusted.
 */
export function requireFreshAuthentication(reauth: Reauthentication | undefined, authTime: number | undefined, idp: { id: string; displayName: string }, now = Date.now()): void {
  if (!reauth) return;
  const refuse = () =>
    new FederationError(
      'reauthentication_missing',
      `This app asked you to sign in again, but ${idp.displayName} signed you in from an earlier session without asking. Sign out at ${idp.displayName}, then try again, or ask its administrator to honour sign-in requests that demand a fresh login.`,
      { idpId: idp.id },
    );
  // An authentication "in the future" is a broken or lying clock, not a fresh sign-in.
  if (authTime === undefined || !Number.isFinite(authTime) || authTime > Math.floor(now / 1000) + CLOCK_SKEW_SECONDS) throw refuse();
  const startedAt = Math.floor(reauth.startedAt / 1000);
  if (reauth.force && authTime < startedAt - CLOCK_SKEW_SECONDS) throw refuse();
  if (reauth.maxAgeSeconds !== undefined && authTime < Math.floor(now / 1000) - reauth.maxAgeSeconds - CLOCK_SKEW_SECONDS) throw refuse();
}
