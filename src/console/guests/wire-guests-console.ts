/**
 * The console's Guests section (/myapps/admin/guests): the table with filters, sort, keyset
 * pages and CSV export; each guest's page; the actions on a guest, destructive ones confirmed
 * first; the inline invite form. Every change goes through the directory and invitation
 * services the API and the CLI use.
 */
import { Router } from '@koa/router';
import type Provider from 'oidc-provider';
import type { Feature } from '../../core/feature.js';
import type { SharedServices } from '../../core/shared-services.js';
import type { DirectoryServices } from '../../directory/directory-services.js';
import type { InvitationService } from '../../invitations/invitation-service.js';
import { PartnerDirectory } from '../../partners/partner-directory.js';
import { myAppsUrl } from '../../portal/portal-client.js';
import { portalPageGuards } from '../../portal/portal-routes.js';
import { requireConsolePermission } from '../console-access.js';
import { derivedKeys } from '../../provider/keys/derived-keys.js';
import { guestActionRoutes } from './guest-action-routes.js';
import { guestDetailRoutes } from './guest-detail-routes.js';
import { GuestCursorCodec } from './guest-list-cursor.js';
import { GuestListQuery } from './guest-list-query.js';
import { guestListRoutes } from './guest-list-routes.js';
import type { GuestsConsoleDeps } from './guests-console-deps.js';
import { inviteRoute } from './invite-form.js';
import { SessionHandles } from './session-handles.js';

export function wireGuestsConsole(shared: SharedServices, deps: { provider: Provider; directory: DirectoryServices; invitations: InvitationService }): Feature {
  const { config, db, users, identities, renderer, secureCookies } = shared;
  const { directory } = deps;
  const guests: GuestsConsoleDeps = {
    db,
    apps: config.apps,
    myAppsUrl: myAppsUrl(config.issuer),
    users,
    identities,
    groups: directory.groups,
    sponsors: directory.sponsors,
    sessions: directory.sessions,
    invitations: deps.invitations,
    lifecycle: directory.lifecycle,
    appAssignments: directory.appAssignments,
    assignments: directory.assignments,
    renderer,
    idpNames: new Map(config.identityProviders.map((i) => [i.id, i.displayName ?? i.id])),
    partners: new PartnerDirectory(config),
    query: new GuestListQuery(db),
    // Keys derived from the shared cookie secrets, read at each use: a restart, a reload or a rotation keeps links valid.
    cursors: new GuestCursorCodec(derivedKeys(shared.keys, 'guest-list-cursor')),
    sessionHandles: new SessionHandles(derivedKeys(shared.keys, 'session-handle')),
  };
  const router = new Router({ prefix: '/myapps/admin/guests' });
  router.use(...portalPageGuards({ provider: deps.provider, users, issuer: config.issuer, secureCookies }), requireConsolePermission('User.Read.All'));
  const show = guestListRoutes(router, guests);
  inviteRoute(router, guests, show);
  guestDetailRoutes(router, guests);
  guestActionRoutes(router, guests);
  return { routers: [router] };
}
