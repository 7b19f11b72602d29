/**
 * The directory (users, groups, app assignments, ownership, ending a user's sessions) for the
 * server. It serves no routes of its own: the API, My Apps and the sign-in use its services. It
 * gives the provider the app-assignment check, and indexes sessions by account (Redis).
 */
import type { ProviderParts } from '../core/provider-parts.js';
import type { SharedServices } from '../core/shared-services.js';
import { createDirectoryServices, type DirectoryServices } from './directory-services.js';

export function wireDirectory(shared: SharedServices): DirectoryServices & { providerParts: ProviderParts } {
  const services = createDirectoryServices({ db: shared.db, redis: shared.redis, config: shared.config, users: shared.users, audit: shared.audit, adapters: shared.adapters, logger: shared.logger, clock: shared.clock });
  return {
    ...services,
    providerParts: { appAccess: services.gate, observe: (provider) => services.sessions.track(provider, shared.logger) },
  };
}
