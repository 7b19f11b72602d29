import type { Context } from 'koa';
import { readPortalSession } from './portal-session.js';
import type Provider from 'oidc-provider';

/**
 * What My Apps needs from the MFA module (src/mfa/mfa-service.ts satisfies it): the state of the
 * user's authenticator app and recovery codes, and the self-service changes.
 */
export interface SecurityInfoService {
  readonly available: boolean;
  status(userId: string): Promise<'none' | 'pending' | 'active'>;
  remainingRecoveryCodes(userId: string): Promise<number>;
  /** Removes the authenticator app (and the recovery codes when no passkey remains). */
  reset(userId: string): Promise<boolean>;
  /** Whether any second factor (authenticator app or passkey) is set up: then changes need a fresh sign-in with one. */
  hasFactor?(userId: string): Promise<boolean>;
  /** New recovery codes replacing the unused ones, shown once. */
  regenerateRecoveryCodes?(userId: string): Promise<string[]>;
}

/** How recent a sign-in must be to change security info (Entra asks again after a few minutes too). */
export const FRESH_AUTH_SECONDS = 5 * 60;

/**
 * True when the portal session's sign-in is recent enough, and, for a user whose authenticator
 * is set up, included MFA: someone holding only a password must not be able to remove the factor.
 */
export async function isFreshlyAuthenticated(ctx: Context, provider: Provider, mfaActive: boolean): Promise<boolean> {
  const session = await readPortalSession(ctx, provider);
  if (!session?.authTime || Date.now() / 1000 - session.authTime > FRESH_AUTH_SECONDS) return false;
  return !mfaActive || Boolean(session.amr?.includes('mfa'));
}
