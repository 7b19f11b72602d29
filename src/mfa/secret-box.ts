import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * AES-256-GCM for secrets at rest (TOTP secrets). Each value is bound to a context string (the
 * user id) as additional authenticated data, so a sealed secret copied onto another user's row
 * does not open. Format: `v1.<base64url(iv | tag | ciphertext)>`.
 */
export class SecretBox {
  private readonly key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== 32) throw new Error('the MFA encryption key must be 32 bytes');
    this.key = key;
  }

  seal(plaintext: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(context));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `${VERSION}.${Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64url')}`;
  }

  /** Throws when the value was tampered with, belongs to another context, or another key sealed it. */
  open(sealed: string, context: string): string {
    const [version, body] = sealed.split('.');
    if (version !== VERSION || !body) throw new Error('not a sealed secret');
    const raw = Buffer.from(body, 'base64url');
    if (raw.length <= IV_BYTES + TAG_BYTES) throw new Error('not a sealed secret');
    const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
  }
}

/** Independent keys for independent jobs, derived from the one configured MFA key. */
export function deriveKey(master: Buffer, purpose: 'totp-secrets' | 'recovery-codes'): Buffer {
  return Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), `foyer-mfa/${purpose}`, 32));
}
