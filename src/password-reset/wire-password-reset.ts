/**
 * Password reset (src/password-reset/): members with a local password ask for a mailed,
 * single-use, expiring link at `/password/forgot` and choose a new password at `/password/reset`;
 * a reset ends every session and refresh token of the account. The CLI's `users reset-password`
 * uses the same service. Guests have no password and never get a link.
 */
import type { Feature } from '../core/feature.js';
import type { SharedServices } from '../core/shared-services.js';
import type { UserLifecycle } from '../directory/user-lifecycle.js';
import { passwordResetServiceFor } from './password-reset-factory.js';
import { passwordResetRoutes } from './password-reset-routes.js';
import type { PasswordResetService } from './password-reset-service.js';

export function wirePasswordReset(shared: SharedServices, deps: { lifecycle: UserLifecycle }): { service: PasswordResetService; feature: Feature } {
  const { config } = shared;
  const service = passwordResetServiceFor(config, { ...shared, lifecycle: deps.lifecycle, now: shared.now });
  // Also with resets switched off: links mailed before still have rows to purge.
  const jobs = [{ name: 'password reset: purge dead links', everyMs: 3600_000, acrossNodes: true, run: () => service.purgeDeadLinks() }];
  if (!config.passwordReset.enabled) return { service, feature: { jobs } };
  return {
    service,
    feature: { jobs, routers: [passwordResetRoutes({ service, renderer: shared.renderer, issuer: config.issuer, ttlMinutes: config.passwordReset.ttlMinutes, secureCookies: shared.secureCookies })] },
  };
}
