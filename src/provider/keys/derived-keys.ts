import { hkdfSync } from 'node:crypto';
import type { SigningKeys } from './signing-keys.js';

/** What a derived key is for; each purpose gets its own key, so one never verifies another's output. */
export type DerivedKeyPurpose = 'guest-list-cursor' | 'session-handle' | 'api-skiptoken' | 'email-passcode' | 'console-sign-ins-cursor';

/**
 * Keys for one purpose (console page cursors, session handles, Graph's $skiptoken,
 * email passcode hashes), derived by HKDF from the
 * cookie secrets the nodes share, newest first, read at each call: a key rotation or reload
 * reaches them at once, the newest signs and the older ones still verify. A cookie secret signs
 * cookies; what is derived from it for one purpose serves no other.
 */
export function derivedKeys(keys: Pick<SigningKeys, 'current'>, purpose: DerivedKeyPurpose): () => Buffer[] {
  const derived = new Map<string, Buffer>();
  return () =>
    keys.current().cookieKeys.map((secret) => {
      let key = derived.get(secret);
      if (!key) derived.set(secret, (key = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), `foyer/${purpose}/v1`, 32))));
      return key;
    });
}
