import { hkdfSync } from 'node:crypto';
import type { SigningKeys } from '../../provider/keys/signing-keys.js';

/**
 * Keys for one purpose of the console (page cursors, session handles), derived by HKDF from the
 * cookie secrets the nodes share, newest first, read at each call: a key rotation or reload
 * reaches them at once, the newest signs and the older ones still verify. A cookie secret signs
 * cookies; what is derived from it for one purpose serves no other.
 */
export function derivedKeys(keys: Pick<SigningKeys, 'current'>, purpose: 'guest-list-cursor' | 'session-handle'): () => Buffer[] {
  const derived = new Map<string, Buffer>();
  return () =>
    keys.current().cookieKeys.map((secret) => {
      let key = derived.get(secret);
      if (!key) derived.set(secret, (key = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), `foyer/console/${purpose}/v1`, 32))));
      return key;
    });
}
