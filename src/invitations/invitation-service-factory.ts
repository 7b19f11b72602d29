import type { FoyerConfig } from '../config/schema.js';
import { invitationAdmission } from '../partners/invitation-admission.js';
import { portalAppConfig } from '../portal/portal-client.js';
import { InvitationService, type InvitationServiceDeps } from './invitation-service.js';

/** The invitation service as configured: the server and the CLI build it the same way. */
export function invitationServiceFor(
  config: FoyerConfig,
  parts: Pick<InvitationServiceDeps, 'db' | 'users' | 'identities' | 'invitations' | 'audit' | 'mailer' | 'renderer' | 'lifecycle'>,
): InvitationService {
  return new InvitationService({
    ...parts,
    issuer: config.issuer,
    tenantName: config.tenant.displayName,
    memberDomains: config.tenant.memberDomains,
    settings: config.invitations,
    apps: config.apps,
    portalApp: portalAppConfig(config.issuer),
    // Partner organisations decide whom this organisation may invite, for the server and the CLI alike.
    admission: invitationAdmission(config),
  });
}
