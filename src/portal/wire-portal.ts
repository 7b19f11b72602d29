/**
 * My Apps (src/portal/), Entra's Access Panel: everyone's apps, security info, leaving the
 * organisation, owners inviting and managing their guests (the admins' guest list is src/console/guests/). It signs in
 * as a first-party client of the provider (which it contributes before the provider is built).
 */
import type Provider from 'oidc-provider';
import type { Feature } from '../core/feature.js';
import type { ProviderParts } from '../core/provider-parts.js';
import type { SharedServices } from '../core/shared-services.js';
import type { DirectoryServices } from '../directory/directory-services.js';
import type { InvitationService } from '../invitations/invitation-service.js';
import type { MfaService } from '../mfa/mfa-service.js';
import type { User } from '../directory/user-model.js';
import { DelegatedGuests } from './delegated-guests.js';
import { myAppsUrl, portalClient } from './portal-client.js';
import { portalRoutes } from './portal-routes.js';
import type { PasskeyService } from '../passkeys/passkey-service.js';
import { portalSecurity } from './portal-security.js';
import { portalSignInRoutes } from './portal-sign-in-routes.js';

/** The portal's own first-party client, given to the provider before it is built. */
export function portalProviderParts(shared: SharedServices): ProviderParts {
  return { clients: [portalClient(shared.config.issuer, shared.keys.current().cookieKeys[0]!)] };
}

export function wirePortal(
  shared: SharedServices,
  deps: { provider: Provider; directory: DirectoryServices; invitations: InvitationService; mfa: MfaService; passkeys?: PasskeyService; appAllowed?: (user: User, appId: string) => Promise<boolean> },
): Feature {
  const { config, db, users, audit, renderer, secureCookies } = shared;
  const { provider, directory, invitations } = deps;
  const issuer = config.issuer;
  const delegated = new DelegatedGuests({ db, ownership: directory.ownership, apps: config.apps, assignments: directory.assignments, appAssignments: directory.appAssignments, groups: directory.groups, users, invitations, audit, myAppsUrl: myAppsUrl(issuer) });
  const security = portalSecurity({ config, db, redis: shared.redis, provider, issuer, secureCookies, audit, renderer, mfa: deps.mfa, passkeys: deps.passkeys });
  return {
    routers: [
      portalSignInRoutes({ provider, issuer, secureCookies }),
      portalRoutes({
        provider,
        users,
        issuer,
        secureCookies,
        gate: directory.gate,
        sponsors: directory.sponsors,
        delegated,
        identities: shared.identities,
        lifecycle: directory.lifecycle,
        renderer,
        idpNames: new Map(config.identityProviders.map((i) => [i.id, i.displayName ?? i.id])),
        security,
        appAllowed: deps.appAllowed,
      }),
    ],
  };
}
