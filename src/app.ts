import type { Server } from 'node:http';
import type { Redis } from 'ioredis';
import type Provider from 'oidc-provider';
import { wireConditionalAccess } from './access/wire-conditional-access.js';
import { wireClaims } from './claims/wire-claims.js';
import { wireApi } from './api/wire-api.js';
import type { AuditLog } from './audit/audit-log.js';
import type { FoyerConfig } from './config/schema.js';
import { loadConfig } from './config/load-config.js';
import { mountFeatures } from './core/mount-features.js';
import { openNodeServices, type NodeServiceOptions } from './core/node-services.js';
import { createNodeServer } from './core/node-server.js';
import type { Scheduler } from './core/scheduler.js';
import type { SharedServices } from './core/shared-services.js';
import { startLiveConfig, type Composition, type LiveConfig } from './live-config/live-config.js';
import type { ReloadReport } from './live-config/config-reloader.js';
import type { Database } from './db/connect.js';
import type { IdentitiesRepository } from './directory/identities-repository.js';
import type { UsersRepository } from './directory/users-repository.js';
import { wireDirectory } from './directory/wire-directory.js';
import { wireHttp } from './http/wire-http.js';
import { wireSignIn } from './interaction/wire-sign-in.js';
import type { InvitationService } from './invitations/invitation-service.js';
import { wireInvitations } from './invitations/wire-invitations.js';
import { wireLanding } from './landing/wire-landing.js';
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
import { wireConsole } from './console/wire-console.js';
import { wireConsoleInvite } from './console/invite/wire-invite.js';
import type { BulkRunner } from './invitations/bulk/bulk-runner.js';
import type { KeyStore } from './provider/keys/key-store.js';
import { wireProvider } from './provider/wire-provider.js';
import { wireRoles } from './roles/wire-roles.js';
import { wireLogout } from './logout/wire-logout.js';
import type { LogoutDelivery } from './logout/logout-delivery.js';

export interface FoyerOptions extends NodeServiceOptions {
  /** How a reload reads the config again (default: loadConfig of the same file or directory, with this process's environment). */
  readConfig?: () => FoyerConfig;
}

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
  /** Names this node in job leases, logs and config reload reports. */
  nodeId: string;
  /**
   * Re-reads the config and applies it without a restart, or keeps the running one and says why
   * (src/live-config/). Config-derived members above (config, provider, invitations, …) then read
   * the new composition.
   */
  reload(): Promise<ReloadReport>;
  /** The same, reported as the process's SIGHUP (serve.ts). */
  reloadOnSignal(): Promise<ReloadReport>;
  /** Sends the confirmed bulk-invitation rows this node can claim, joining a run in progress (tests wait on it). */
  bulkInvitations: { drain(): Promise<void> };
  /** Starts listening; resolves with the bound port (useful with port 0 in tests). */
  listen(port?: number, host?: string): Promise<{ server: Server; port: number }>;
  /** Stops accepting requests, lets in-flight ones finish (up to the grace period), closes storage. */
  close(): Promise<void>;
}

/** What one config's features offer the rest of the process (tests, the CLI-less jobs trigger). */
interface FoyerComposition extends Composition {
  provider: Provider;
  invitations: InvitationService;
  passwordReset: PasswordResetService;
  partners: Pick<Partners, 'directory' | 'metadata'>;
  logout: Pick<LogoutDelivery, 'deliverDue'>;
  bulkInvitations: Pick<BulkRunner, 'drain'>;
}

/**
 * The composition root: the node's services (storage, keys) opened once, then the features built
 * from the config on top of them (composeFeatures), built again on each config reload
 * (src/live-config/), and the one HTTP server handing each request to the current composition.
 */
export async function createFoyer(config: FoyerConfig, opts: FoyerOptions = {}): Promise<Foyer> {
  const node = await openNodeServices(config, opts);
  let live: LiveConfig<FoyerComposition>;
  try {
    live = await startLiveConfig(node, config, composeFeatures, opts.readConfig ?? (() => loadConfig(config.source)));
  } catch (err) {
    await node.close();
    throw err;
  }
  const server = createNodeServer(live.dispatch);
  const now = () => live.current();
  return {
    get config() { return now().config; },
    get provider() { return now().composition.provider; },
    get invitations() { return now().composition.invitations; },
    get passwordReset() { return now().composition.passwordReset; },
    get partners() { return now().composition.partners; },
    get logout() { return now().composition.logout; },
    get mailer() { return now().shared.mailer; },
    get audit() { return now().shared.audit; },
    jobs: { runDue: () => now().shared.scheduler.runDue() },
    bulkInvitations: { drain: () => now().composition.bulkInvitations.drain() },
    db: node.db, redis: node.redis, logger: node.logger, users: node.users, identities: node.identities, keys: node.keys.store, nodeId: node.nodeId,
    reload: () => live.reload('test'),
    reloadOnSignal: () => live.reload('SIGHUP'),
    listen: (port = config.server.port, host = config.server.host) => server.listen(port, host),
    async close() {
      node.beginShutdown();
      await server.close(now().config.server.shutdownGraceSeconds);
      await live.close();
      await node.close();
    },
  };
}

/** The features of one config, in the order a request meets them. docs/architecture.md says what each owns. */
async function composeFeatures(shared: SharedServices): Promise<FoyerComposition> {
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
  const bulkInvite = wireConsoleInvite(shared, { provider, invitations: invitations.service });

  const handler = mountFeatures(shared, provider, [
    protocol, //                 expired-state purge, signing-key reload
    wireOperations(shared), //   /healthz, /readyz, /metrics
    accessSteps.feature, //      the sign-in log around /auth
    await wireHttp(shared), //   per-address budgets, size caps, /static
    wireSignIn(shared, { provider, sessions: directory.sessions, invitations, access: accessSteps, partners: claims.forSignIn(partners.forSignIn(provider, accessSteps.recorder)), passkeys: passkeys.service }), // /interaction, /federation
    invitations.feature, //      /redeem
    passwordReset.feature, //    /password/forgot, /password/reset
    bulkInvite.feature, //       /myapps/admin/invite (bulk invitations, sent on any node)
    wireLanding(shared, { provider }), // GET / (the start page)
    wirePortal(shared, { provider, directory, invitations: invitations.service, mfa: access.mfa, passkeys: passkeys.service, appAllowed: partners.appAllowed }), // /myapps
    wireConsole(shared, { provider, directory, invitations: invitations.service, signIns: access.signIns }), // /myapps/admin: the admin console
    await wireApi(shared, { provider, directory, invitations: invitations.service, signIns: access.signIns, partners: partners.directory, roles: roles.assignments }), // /v1.0 (with /directoryRoles)
    wireScim(shared, { directory }), // /scim/v2
    partners.feature, //         SAML metadata refreshes
    logout.feature, //           back-channel logout deliveries
    wireLifecycle(shared, { provider, directory }).feature, // /myapps/extend; expiry sweeps
    await wireReviews(shared, { provider, directory, homeTenants: partners.forAccess.homeTenants }), // /myapps/reviews; access reviews
  ]);
  return { handler, settled: () => passwordReset.service.settled(), provider, invitations: invitations.service, passwordReset: passwordReset.service, partners, logout: logout.delivery, bulkInvitations: bulkInvite.runner };
}
