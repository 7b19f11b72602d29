import { createHmac, randomInt } from 'node:crypto';

/** 32 letters and digits without the look-alikes (0/O, 1/I): 5 bits a character, 50 bits a code. */
const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
const LENGTH = 10;
export const RECOVERY_CODE_COUNT = 10;

/** Fresh codes, formatted for people: `ABCDE-FGH23`. */
export function generateRecoveryCodes(count = RECOVERY_CODE_COUNT): string[] {
  return Array.from({ length: count }, () => {
    const chars = Array.from({ length: LENGTH }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
    return `${chars.slice(0, 5)}-${chars.slice(5)}`;
  });
}

/** What a person typed, in canonical form (case, spaces and dashes ignored), or undefined when it cannot be a code. */
export function normalizeRecoveryCode(input: string): string | undefined {
  const code = input.toUpperCase().replace(/[\s-]/g, '');
  return code.length === LENGTH && [...code].every((c) => ALPHABET.includes(c)) ? code : undefined;
}

/**
 * Stored form: HMAC keyed with a key derived from the MFA key and bound to the user, so a copy of
 * the table is useless without the key and a hash cannot be moved to another account.
 */
export function hashRecoveryCode(key: Buffer, userId: string, normalized: string): string {
  return createHmac('sha256', key).update(`${userId}:${normalized}`).digest('hex');
}
