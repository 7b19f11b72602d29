import type { Server } from 'node:http';
import type { Redis } from 'ioredis';
import type Provider from 'oidc-provider';
import { wireConditionalAccess } from './access/wire-conditional-access.js';
import { wireClaims } from './claims/wire-claims.js';
import { wireApi } from './api/wire-api.js';
import type { AuditLog } from './audit/audit-log.js';
import type { FoyerConfig } from './config/schema.js';
import { openSharedServices, type SharedServiceOptions } from './core/shared-services.js';
import type { Scheduler } from './core/scheduler.js';
import { startNode } from './core/start-node.js';
import type { Database } from './db/connect.js';
import type { IdentitiesRepository } from './directory/identities-repository.js';
import type { UsersRepository } from './directory/users-repository.js';
import { wireDirectory } from './directory/wire-directory.js';
import { wireHttp } from './http/wire-http.js';
import { wireSignIn } from './interaction/wire-sign-in.js';
import type { InvitationService } from './invitations/invitation-service.js';
import { wireInvitations } from './invitations/wire-invitations.js';
import { wireLifecycle } from './lifecycle/wire-lifecycle.js';
import { wireReviews } from './reviews/wire-reviews.js';
import type { Logger } from './logging/logger.js';
import type { Mailer } from './mail/mailer.js';
import { wireOperations } from './ops/wire-operations.js';
import { wireScim } from './scim/wire-scim.js';
import { wirePasswordReset } from './password-reset/wire-password-reset.js';
import type { PasswordResetService } from './password-reset/password-reset-service.js';
import { wirePartners, type Partners } from './partners/wire-partners.js';
import { wirePasskeys } from './passkeys/wire-passkeys.js';
import { portalProviderParts, wirePortal } from './portal/wire-portal.js';
import { wireAppsConsole } from './console/apps/wire-apps-console.js';
import { wireAuditConsole } from './console/audit/wire-audit-console.js';
import { wireConfigConsole } from './console/config/wire-config-console.js';
import { wireGroupsConsole } from './console/groups/wire-groups-console.js';
import { wireSignInsConsole } from './console/sign-ins/wire-sign-ins-console.js';
import { wireWhatIfConsole } from './console/what-if/wire-what-if-console.js';
import type { KeyStore } from './provider/keys/key-store.js';
import { wireProvider } from './provider/wire-provider.js';
import { wireRoles } from './roles/wire-roles.js';
import { wireLogout } from './logout/wire-logout.js';
import type { LogoutDelivery } from './logout/logout-delivery.js';

export interface Foyer {
  config: FoyerConfig;
  provider: Provider;
  db: Database;
  redis?: Redis;
  logger: Logger;
  users: UsersRepository;
  identities: IdentitiesRepository;
  invitations: InvitationService;
  mailer: Mailer;
  audit: AuditLog;
  keys: KeyStore;
  /** Members' password reset (its mail goes out after the answer: settled() waits for it). */
  passwordReset: PasswordResetService;
  /** Partner organisations: their settings, and the SAML metadata kept fresh (refreshed on a schedule, or now). */
  partners: Pick<Partners, 'directory' | 'metadata'>;
  /** Back-channel logout: deliver the due logout tokens now (the scheduler does it every few seconds). */
  logout: Pick<LogoutDelivery, 'deliverDue'>;
  /** Deployment-wide background jobs: run what is due now (tests with a controllable clock). */
  jobs: Pick<Scheduler, 'runDue'>;
  /** Starts listening; resolves with the bound port (useful with port 0 in tests). */
  listen(port?: number, host?: string): Promise<{ server: Server; port: number }>;
  /** Stops accepting requests, lets in-flight ones finish (up to the grace period), closes storage. */
  close(): Promise<void>;
}

/**
 * The composition root: the shared services, the features that shape the provider, the provider,
 * then every feature in the order a request meets it. docs/architecture.md says what each owns.
 */
export async function createFoyer(config: FoyerConfig, opts: SharedServiceOptions = {}): Promise<Foyer> {
  const shared = await openSharedServices(config, opts);
  const directory = wireDirectory(shared);
  const partners = wirePartners(shared, { sessions: directory.sessions });
  const passkeys = wirePasskeys(shared);
  const access = wireConditionalAccess(shared, { gate: directory.gate, partners: partners.forAccess, passkeys: passkeys.service });
  const claims = wireClaims(shared, { homeTenants: partners.forAccess.homeTenants, partnerName: (id) => partners.directory.byId(id)?.displayName });
  const { provider, feature: protocol } = wireProvider(shared, [directory.providerParts, partners.providerParts, access.providerParts, claims.providerParts, portalProviderParts(shared)]);
  const accessSteps = access.withProvider(provider);
  const roles = wireRoles(shared);
  const logout = wireLogout(shared, { provider });
  const passwordReset = wirePasswordReset(shared, { lifecycle: directory.lifecycle });
  const invitations = wireInvitations(shared, { provider, lifecycle: directory.lifecycle, partners: partners.forInvitations });

  const node = startNode(shared, provider, [
    protocol, //                 expired-state purge, signing-key reload
    wireOperations(shared), //   /healthz, /readyz, /metrics
    accessSteps.feature, //      the sign-in log around /auth
    await wireHttp(shared), //   per-address budgets, size caps, /static
    wireSignIn(shared, { provider, sessions: directory.sessions, invitations, access: accessSteps, partners: claims.forSignIn(partners.forSignIn(provider, accessSteps.recorder)), passkeys: passkeys.service }), // /interaction, /federation
    invitations.feature, //      /redeem
    passwordReset.feature, //    /password/forgot, /password/reset
    wirePortal(shared, { provider, directory, invitations: invitations.service, mfa: access.mfa, passkeys: passkeys.service, appAllowed: partners.appAllowed }), // /myapps
    wireGroupsConsole(shared, { provider, directory }), // /myapps/admin/groups
    wireAppsConsole(shared, { provider, directory }), // /myapps/admin/apps
    wireSignInsConsole(shared, { provider, signIns: access.signIns }), // /myapps/admin/sign-ins
    wireAuditConsole(shared, { provider, directory }), // /myapps/admin/audit
    wireWhatIfConsole(shared, { provider }), // /myapps/admin/what-if
    wireConfigConsole(shared, { provider, directory }), // /myapps/admin/config
    await wireApi(shared, { provider, directory, invitations: invitations.service, signIns: access.signIns, partners: partners.directory, roles: roles.assignments }), // /v1.0 (with /directoryRoles)
    wireScim(shared, { directory }), // /scim/v2
    partners.feature, //         SAML metadata refreshes
    logout.feature, //           back-channel logout deliveries
    wireLifecycle(shared, { provider, directory }).feature, // /myapps/extend; expiry sweeps
    await wireReviews(shared, { provider, directory, homeTenants: partners.forAccess.homeTenants }), // /myapps/reviews; access reviews
  ]);
  const { db, redis, logger, users, identities, mailer, audit } = shared;
  return { config, provider, db, redis, logger, users, identities, invitations: invitations.service, mailer, audit, keys: shared.keys.store, passwordReset: passwordReset.service, partners, logout: logout.delivery, jobs: { runDue: () => shared.scheduler.runDue() }, listen: node.listen, close: node.close };
}
