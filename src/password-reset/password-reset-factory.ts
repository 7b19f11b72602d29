import type { AuditLog } from '../audit/audit-log.js';
import type { FoyerConfig } from '../config/schema.js';
import type { Database } from '../db/connect.js';
import type { Redis } from '../db/redis.js';
import type { UserLifecycle } from '../directory/user-lifecycle.js';
import type { UsersRepository } from '../directory/users-repository.js';
import type { PageRenderer } from '../http/render.js';
import { createThrottle } from '../http/throttle.js';
import type { Logger } from '../logging/logger.js';
import type { Mailer } from '../mail/mailer.js';
import { PasswordResetService } from './password-reset-service.js';
import { MemberIdentity } from '../interaction/member-identity.js';

/** The password reset service as configured: the server and the CLI build it the same way. */
export function passwordResetServiceFor(
  config: FoyerConfig,
  parts: { db: Database; redis?: Redis; users: UsersRepository; audit: AuditLog; mailer: Mailer; renderer: PageRenderer; lifecycle: Pick<UserLifecycle, 'revokeSessions'>; logger: Logger; now?: () => number },
): PasswordResetService {
  const settings = config.passwordReset;
  const members = MemberIdentity.from(config.tenant);
  return new PasswordResetService({
    ...parts,
    issuer: config.issuer,
    tenantName: config.tenant.displayName,
    settings,
    // Members through the host's IdP with local passwords off: only break-glass admins reset.
    passwordAllowed: members ? (user) => user.userType !== 'Member' || members.passwordAllowed(user.mail) : undefined,
    perAddress: createThrottle({ name: 'pwreset-address', points: settings.perAddressPerHour, durationSeconds: 3600 }, parts.redis),
    perIp: createThrottle({ name: 'pwreset-ip', points: settings.perIpPerHour, durationSeconds: 3600 }, parts.redis),
  });
}
