import { generateSecret, generateURI, verify } from 'otplib';

/** RFC 6238 defaults every authenticator app understands: SHA-1, 6 digits, 30-second steps. */
export const TOTP_PERIOD = 30;

export function newTotpSecret(): string {
  return generateSecret({ length: 20 });
}

export function totpUri(opts: { issuer: string; account: string; secret: string }): string {
  return generateURI({ issuer: opts.issuer, label: opts.account, secret: opts.secret, period: TOTP_PERIOD, digits: 6, algorithm: 'sha1' });
}

/** The secret in groups of four, for typing into an app by hand. */
export function formatManualKey(secret: string): string {
  return secret.replace(/(.{4})/g, '$1 ').trim();
}

/**
 * Checks a code against the current step and one step either side (clock drift, a code typed as
 * it rolled over). Returns the matched time step, which the caller records to refuse replays.
 */
export async function matchTotp(secret: string, code: string, now = Date.now()): Promise<number | undefined> {
  const result = await verify({ secret, token: code, epoch: Math.floor(now / 1000), period: TOTP_PERIOD, epochTolerance: TOTP_PERIOD });
  // otplib types TOTP and HOTP results together; only TOTP's carries the matched step.
  return result.valid && 'timeStep' in result ? result.timeStep : undefined;
}
