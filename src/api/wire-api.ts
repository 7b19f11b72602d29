/**
 * The Graph-shaped API (src/api/) under `/v1.0`, with bearer tokens Foyer issued itself, and its
 * OpenAPI document. Invitation sends are budgeted per authenticated inviter.
 */
import type { Middleware } from 'koa';
import type Provider from 'oidc-provider';
import type { SignInLog } from '../audit/sign-in-log.js';
import type { Feature } from '../core/feature.js';
import type { SharedServices } from '../core/shared-services.js';
import type { DirectoryServices } from '../directory/directory-services.js';
import { isInvitationSend } from '../http/rate-limit.js';
import type { InvitationService } from '../invitations/invitation-service.js';
import { derivedKeys } from '../provider/keys/derived-keys.js';
import { publicJwks } from '../provider/keys/key-store.js';
import { apiRouter } from './api-router.js';
import { appRoleAssignmentsRoutes } from './app-role-assignments-routes.js';
import { bearerAuth } from './bearer-auth.js';
import { directoryAuditsRoutes } from './directory-audits-routes.js';
import { groupsRoutes } from './groups-routes.js';
import { invitationsRoutes } from './invitations-routes.js';
import { openapiRoute } from './openapi-route.js';
import { signInsRoutes } from './sign-ins-routes.js';
import { SkipTokenCodec } from './skiptoken.js';
import { sponsorsRoutes } from './sponsors-routes.js';
import { usersRoutes } from './users-routes.js';
import { crossTenantAccessRoutes } from '../partners/cross-tenant-access-routes.js';
import type { PartnerDirectory } from '../partners/partner-directory.js';
import { directoryRolesRoutes } from '../roles/directory-roles-routes.js';
import type { RoleAssignments } from '../roles/role-assignments.js';

export async function wireApi(
  shared: SharedServices,
  deps: { provider: Provider; directory: DirectoryServices; invitations: InvitationService; signIns: SignInLog; partners: PartnerDirectory; roles: RoleAssignments },
): Promise<Feature> {
  const { config, db, users } = shared;
  const { directory: dir } = deps;
  const issuer = config.issuer;
  // A user token of a grant oidc-provider revoked (code replay, refresh-token reuse) stops at once.
  const grantAlive = async (grantId: string) => Boolean(await deps.provider.Grant.find(grantId));
  const authFor = (jwks: ReturnType<SharedServices['keys']['current']>['jwks']) => bearerAuth({ issuer, publicJwks: publicJwks(jwks), apps: config.apps, users, grantAlive, guestRolesAllowed: config.directoryRoles.allowGuests });
  let auth = authFor(shared.keys.current().jwks);
  shared.keys.onChange((fresh) => {
    auth = authFor(fresh.jwks);
  });
  const invitationBudget = shared.budget({
    name: 'invitations',
    points: config.limits.invitationsPerInviterPerHour,
    durationSeconds: 3600,
    keyOf: (ctx) => {
      if (!isInvitationSend(ctx)) return undefined;
      const p = ctx.state.principal as { kind: string; appId?: string; userId?: string } | undefined;
      return p ? (p.kind === 'app' ? `app:${p.appId}` : `user:${p.userId}`) : undefined;
    },
    style: 'foyer',
    message: 'Too many invitations were sent by this inviter in the last hour. Wait, then try again.',
  });
  // $skiptoken is signed with keys derived from the cookie secrets the nodes share: a restart, another node or a rotation keeps tokens valid.
  const skipTokens = new SkipTokenCodec(derivedKeys(shared.keys, 'api-skiptoken'));
  const authThenBudget: Middleware = (ctx, next) => auth(ctx, () => invitationBudget(ctx, next));
  const api = apiRouter(authThenBudget, [
    invitationsRoutes({ service: deps.invitations, issuer, skipTokens }),
    signInsRoutes({ log: deps.signIns, issuer, skipTokens }),
    directoryAuditsRoutes({ db, issuer }),
    // Before usersRoutes: /users/{id}/sponsors is more specific than /users/{id}.
    sponsorsRoutes({ db, issuer, users, sponsors: dir.sponsors, ownership: dir.ownership, assignments: dir.assignments, groups: dir.groups }),
    usersRoutes({ issuer, users, identities: shared.identities, directory: dir.directory, groups: dir.groups, lifecycle: dir.lifecycle, skipTokens }),
    groupsRoutes({ issuer, groups: dir.groups, groupService: dir.groupService, users, ownership: dir.ownership }),
    appRoleAssignmentsRoutes({ issuer, apps: config.apps, service: dir.appAssignments, assignments: dir.assignments, users, groups: dir.groups, ownership: dir.ownership }),
    crossTenantAccessRoutes({ directory: deps.partners, issuer, passcodeEnabled: config.emailPasscode.enabled }),
    directoryRolesRoutes({ issuer, roles: deps.roles }),
  ]);
  return { routers: [await openapiRoute(), api] };
}
