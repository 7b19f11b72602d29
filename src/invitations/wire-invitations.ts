/**
 * Invitations (src/invitations/): creating, sending, resending, revoking and resetting them (the
 * service the API, My Apps and the CLI share), checking tickets and completing redemption exactly
 * once, and the `/redeem` page a guest's mail links to.
 */
import type Provider from 'oidc-provider';
import type { Feature } from '../core/feature.js';
import type { SharedServices } from '../core/shared-services.js';
import type { UserLifecycle } from '../directory/user-lifecycle.js';
import { invitationServiceFor } from './invitation-service-factory.js';
import { InvitationsRepository } from './invitations-repository.js';
import { redemptionRoutes, type RedemptionRouteDeps } from './redemption-routes.js';
import { RedemptionService, type TicketAdmission } from './redemption-service.js';

export function wireInvitations(
  shared: SharedServices,
  deps: {
    provider: Provider;
    lifecycle: UserLifecycle;
    /** Partner organisations (src/partners/): links they no longer admit, skipping the review page, the guest's contact. */
    partners?: { ticket: TicketAdmission; review: NonNullable<RedemptionRouteDeps['partners']> };
  },
) {
  const { config, db, users, identities, audit } = shared;
  const rows = new InvitationsRepository(db);
  const service = invitationServiceFor(config, { db, users, identities, invitations: rows, audit, mailer: shared.mailer, renderer: shared.renderer, lifecycle: deps.lifecycle });
  const redemption = new RedemptionService({ db, settings: config.invitations, apps: config.apps, users, identities, invitations: rows, audit, admission: deps.partners?.ticket });
  const feature: Feature = {
    routers: [redemptionRoutes({ redemption, renderer: shared.renderer, provider: deps.provider, users, issuer: config.issuer, secureCookies: shared.secureCookies, partners: deps.partners?.review })],
  };
  return { rows, service, redemption, feature };
}
