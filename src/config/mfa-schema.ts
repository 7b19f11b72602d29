import { z } from 'zod';

/** 32 bytes as base64 (44 characters, or 43 without padding), base64url, or hex (64 characters). */
export function decodeEncryptionKey(text: string): Buffer | undefined {
  const t = text.trim();
  const bytes = /^[0-9a-fA-F]{64}$/.test(t) ? Buffer.from(t, 'hex') : /^[A-Za-z0-9+/_-]{43}=?$/.test(t) ? Buffer.from(t, 'base64') : undefined;
  return bytes?.length === 32 ? bytes : undefined;
}

/** TOTP multi-factor authentication (DESIGN.md step 8). */
export const mfaSchema = z
  .strictObject({
    /**
     * Encrypts TOTP secrets at rest (AES-256-GCM). Usually `${FOYER_MFA_KEY}`; generate one with
     * `openssl rand -base64 32`. Without it, Foyer generates one next to the SQLite file (see README).
     */
    encryptionKey: z
      .string()
      .optional()
      .transform((k) => (k?.trim() ? k.trim() : undefined))
      .refine((k) => k === undefined || decodeEncryptionKey(k) !== undefined, 'must be 32 random bytes as base64 (44 characters) or hex (64 characters); generate one with: openssl rand -base64 32'),
    /** The name authenticator apps show next to the account; defaults to tenant.displayName. */
    issuer: z.string().trim().min(1).max(64).optional(),
    /** Wrong codes (TOTP or recovery) per user before a lock-out. */
    maxAttempts: z.number().int().min(1).max(20).default(5),
    lockoutSeconds: z.number().int().min(30).max(86_400).default(900),
  })
  .prefault({});

export type MfaConfig = z.infer<typeof mfaSchema>;

/**
 * With PostgreSQL (several nodes) the key cannot be generated per node, so a config that enforces
 * MFA must bring one. Checked with the whole config, since the database URL decides.
 */
export function checkMfaKey(
  config: { storage: { databaseUrl: string }; mfa: MfaConfig; conditionalAccess: { state: string; grantControls?: { builtInControls: string[] } }[] },
  ctx: z.RefinementCtx,
): void {
  if (config.mfa.encryptionKey || config.storage.databaseUrl.startsWith('sqlite:')) return;
  const index = config.conditionalAccess.findIndex((p) => p.state === 'enabled' && p.grantControls?.builtInControls.includes('mfa'));
  if (index === -1) return;
  ctx.addIssue({
    code: 'custom',
    path: ['conditionalAccess', index, 'grantControls', 'builtInControls'],
    message: 'requires MFA, which with PostgreSQL needs mfa.encryptionKey (every node must seal TOTP secrets with the same key): set it to ${FOYER_MFA_KEY}, from openssl rand -base64 32',
  });
}
