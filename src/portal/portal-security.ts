import { randomUUID } from 'node:crypto';
import type Provider from 'oidc-provider';
import type { AuditLog } from '../audit/audit-log.js';
import type { FoyerConfig } from '../config/schema.js';
import type { Database } from '../db/connect.js';
import type { Redis } from '../db/redis.js';
import { createThrottle } from '../http/throttle.js';
import type { PageRenderer } from '../http/render.js';
import { nowIso } from '../lib/clock.js';
import { resolveMfaKey } from '../mfa/mfa-key.js';
import { MfaService } from '../mfa/mfa-service.js';
import { generateRecoveryCodes, hashRecoveryCode, normalizeRecoveryCode } from '../mfa/recovery-codes.js';
import { deriveKey } from '../mfa/secret-box.js';
import type { PasskeyService } from '../passkeys/passkey-service.js';
import type { SecurityInfoService } from './security-info.js';
import { securityInfo, type SecurityInfo } from './security-routes.js';

/**
 * Security info for My Apps over the MFA module's store. Pass the conditional access module's
 * MfaService when the composition root has one; without it, one is built here the same way (same
 * key, same store, same attempt-limit name), which is equivalent: the service keeps no state of
 * its own besides the database.
 */
export function portalSecurity(deps: {
  config: Pick<FoyerConfig, 'mfa' | 'storage' | 'tenant'>;
  db: Database;
  redis?: Redis;
  provider: Provider;
  issuer: string;
  secureCookies: boolean;
  audit: AuditLog;
  renderer: PageRenderer;
  mfa?: MfaService;
  passkeys?: PasskeyService;
}): SecurityInfo {
  const { config, db } = deps;
  const key = resolveMfaKey({ encryptionKey: config.mfa.encryptionKey, databaseUrl: config.storage.databaseUrl })?.key;
  const service =
    deps.mfa ??
    new MfaService({
      db,
      key,
      throttle: createThrottle({ name: 'mfa-user', points: config.mfa.maxAttempts, durationSeconds: config.mfa.lockoutSeconds }, deps.redis),
      issuer: config.mfa.issuer ?? config.tenant.displayName,
    });
  const mfa: SecurityInfoService = {
    get available() {
      return service.available;
    },
    status: (userId) => service.status(userId),
    remainingRecoveryCodes: (userId) => service.remainingRecoveryCodes(userId),
    reset: (userId) => service.removeTotp(userId),
    hasFactor: (userId) => service.hasFactor(userId),
    // MfaService issues recovery codes only at enrolment; replacing them is the same write, with
    // the same keyed hash (the MFA module's primitives), in one transaction.
    regenerateRecoveryCodes: key
      ? async (userId) => {
          const recoveryKey = deriveKey(key, 'recovery-codes');
          const codes = generateRecoveryCodes();
          await db.transaction(async (trx) => {
            await trx('mfa_recovery_codes').where({ user_id: userId }).delete();
            await trx('mfa_recovery_codes').insert(
              codes.map((c) => ({ id: randomUUID(), user_id: userId, code_hash: hashRecoveryCode(recoveryKey, userId, normalizeRecoveryCode(c)!), used_at: null, created_at: nowIso() })),
            );
          });
          return codes;
        }
      : undefined,
  };
  return securityInfo({ mfa, passkeys: deps.passkeys, provider: deps.provider, issuer: deps.issuer, secureCookies: deps.secureCookies, audit: deps.audit, renderer: deps.renderer });
}
