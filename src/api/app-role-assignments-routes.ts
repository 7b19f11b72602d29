import { Router } from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { DEFAULT_APP_ROLE_ID } from '../config/app-claims-schema.js';
import type { AppConfig } from '../config/apps-schema.js';
import type { AppAssignmentService, DescribedAssignment } from '../directory/app-assignment-service.js';
import type { AssignmentsRepository, PrincipalType } from '../directory/assignments-repository.js';
import type { GroupsRepository } from '../directory/groups-repository.js';
import type { Ownership } from '../directory/ownership.js';
import type { UsersRepository } from '../directory/users-repository.js';
import { HttpError } from '../http/http-error.js';
import { parseInput } from '../http/validate.js';
import { actorOf } from './api-actor.js';
import { idParam, paging, permit, principalOf, requireJson } from './api-guards.js';
import type { Permission } from './api-resource.js';
import { fetchWindow, onlyQueryOptions, pageOf } from './odata.js';
import { authorizeOrOwner, permitOrOwner, type Owns } from './owner-guard.js';

export { DEFAULT_APP_ROLE_ID };

const assignmentBody = z.strictObject({
  principalId: z.uuid('must be the id of a user or group'),
  /** Graph: the service principal's id. Foyer: the app's id from config (a documented deviation). */
  resourceId: z.string().min(1).max(64),
  /** Foyer addition (Entra has it on access packages): the assignment ends then, removed by the lifecycle sweep. */
  expirationDateTime: z.iso
    .datetime({ offset: true, message: 'must be an ISO 8601 date and time, e.g. 2027-06-30T00:00:00Z' })
    .transform((v) => new Date(v).toISOString())
    .refine((v) => v > new Date().toISOString(), 'must be in the future')
    .optional(),
  /** One of the app's appRoles[].id, or the default access role (also when absent). */
  appRoleId: z.guid(`must be the id of one of the app's appRoles, or ${DEFAULT_APP_ROLE_ID} for plain access`).optional(),
});

const appIdParam = z.string().regex(/^[A-Za-z0-9._-]{3,64}$/, 'must be an app id');

function toGraphAssignment(a: DescribedAssignment) {
  return {
    id: a.id,
    appRoleId: a.appRoleId,
    createdDateTime: a.createdDateTime,
    expirationDateTime: a.expirationDateTime,
    principalDisplayName: a.principalDisplayName,
    principalId: a.principalId,
    principalType: a.principalType,
    resourceDisplayName: a.resourceDisplayName,
    resourceId: a.appId,
  };
}

/** An app as a minimal Graph servicePrincipal (no secrets, no redirect URIs), with its app roles. */
function toServicePrincipal(app: AppConfig) {
  return {
    id: app.id,
    appId: app.id,
    displayName: app.displayName,
    description: app.description ?? null,
    appRoleAssignmentRequired: app.assignmentRequired,
    homepage: app.launchUrl ?? null,
    appRoles: app.appRoles.map((r) => ({ id: r.id, value: r.value, displayName: r.displayName, description: r.description ?? null, allowedMemberTypes: r.allowedMemberTypes, isEnabled: true, origin: 'Application' })),
  };
}

const PERMISSION_FOR: Record<PrincipalType, Permission> = { User: 'User.ReadWrite.All', Group: 'Group.ReadWrite.All' };

export interface AppRoleAssignmentRouteDeps {
  issuer: string;
  apps: AppConfig[];
  service: AppAssignmentService;
  assignments: AssignmentsRepository;
  users: UsersRepository;
  groups: GroupsRepository;
  ownership: Ownership;
}

/**
 * App role assignments, from the three sides Graph offers: an app's
 * `/servicePrincipals/{appId}/appRoleAssignedTo`, a user's and a group's `/appRoleAssignments`.
 * User assignments need User.ReadWrite.All, group assignments Group.ReadWrite.All (Foyer has no
 * AppRoleAssignment.ReadWrite.All); an app's owners may manage the assignments of their app.
 */
export function appRoleAssignmentsRoutes(deps: AppRoleAssignmentRouteDeps): Router {
  const router = new Router();
  const { service } = deps;
  const describeAll = (list: Awaited<ReturnType<AssignmentsRepository['listForApp']>>) => Promise.all(list.map((a) => service.describe(a)));

  const ownsApp: Owns = async (ctx, principal) => {
    const user = await deps.users.findById(principal.userId);
    return Boolean(user && typeof ctx.params.appId === 'string' && deps.ownership.ownsApp(user, ctx.params.appId));
  };
  const requireApp = (ctx: Context) => service.requireApp(parseInput(appIdParam, ctx.params.appId, 'invalidId'));
  const body = (ctx: Context) => parseInput(assignmentBody, ctx.request.body);
  const created = async (ctx: Context, assignment: Parameters<AppAssignmentService['describe']>[0]) => {
    ctx.status = 201;
    ctx.body = toGraphAssignment(await service.describe(assignment));
  };

  // ---- apps (service principals) ----
  router.get('/servicePrincipals', permit('User.Read.All'), async (ctx) => {
    onlyQueryOptions(ctx, []);
    ctx.body = { value: deps.apps.map(toServicePrincipal) };
  });

  router.get('/servicePrincipals/:appId', permit('User.Read.All'), async (ctx) => {
    ctx.body = toServicePrincipal(requireApp(ctx));
  });

  router.get('/servicePrincipals/:appId/appRoleAssignedTo', permitOrOwner('User.Read.All', ownsApp), async (ctx) => {
    onlyQueryOptions(ctx, ['$top', '$skiptoken']);
    const app = requireApp(ctx);
    const page = paging(ctx);
    const rows = await describeAll(await deps.assignments.listForApp(app.id, fetchWindow(page)));
    ctx.body = pageOf(ctx, rows.map(toGraphAssignment), page, `${deps.issuer}/v1.0/servicePrincipals/${app.id}/appRoleAssignedTo`);
  });

  router.post('/servicePrincipals/:appId/appRoleAssignedTo', requireJson, async (ctx) => {
    const input = body(ctx);
    const type = await service.principalTypeOf(input.principalId);
    // Authorise before telling the caller anything about the app or the principal.
    await authorizeOrOwner(ctx, PERMISSION_FOR[type ?? 'User'], ownsApp);
    const app = requireApp(ctx);
    if (input.resourceId !== app.id) throw new HttpError(400, 'invalidResource', `resourceId must be ${app.id}, the app in the URL.`);
    if (!type) throw new HttpError(404, 'Request_ResourceNotFound', `No user or group has the id ${input.principalId}.`);
    await created(ctx, await service.assign(app.id, { type, id: input.principalId }, actorOf(principalOf(ctx)), ctx.state.requestId, undefined, { appRoleId: input.appRoleId, expiresAt: input.expirationDateTime }));
  });

  router.delete('/servicePrincipals/:appId/appRoleAssignedTo/:assignmentId', async (ctx) => {
    const assignmentId = parseInput(idParam, ctx.params.assignmentId, 'invalidId');
    const existing = await deps.assignments.findById(assignmentId);
    await authorizeOrOwner(ctx, PERMISSION_FOR[existing?.principalType ?? 'User'], ownsApp);
    const app = requireApp(ctx);
    await service.unassign(assignmentId, { appId: app.id }, actorOf(principalOf(ctx)), ctx.state.requestId);
    ctx.status = 204;
  });

  // ---- users and groups ----
  for (const [segment, type] of [['users', 'User'], ['groups', 'Group']] as const) {
    const permission = PERMISSION_FOR[type];
    const readPermission: Permission = type === 'User' ? 'User.Read.All' : 'Group.ReadWrite.All';
    const requirePrincipal = async (ctx: Context) => {
      const id = parseInput(idParam, ctx.params.id, 'invalidId');
      const found = type === 'User' ? await deps.users.findById(id) : await deps.groups.findById(id);
      if (!found) throw new HttpError(404, 'Request_ResourceNotFound', `No ${type === 'User' ? 'user' : 'group'} has the id ${id}.`);
      return id;
    };

    router.get(`/${segment}/:id/appRoleAssignments`, permit(readPermission), async (ctx) => {
      onlyQueryOptions(ctx, []);
      const id = await requirePrincipal(ctx);
      ctx.body = { value: (await describeAll(await deps.assignments.listForPrincipal(type, id))).map(toGraphAssignment) };
    });

    router.post(`/${segment}/:id/appRoleAssignments`, requireJson, permit(permission), async (ctx) => {
      const input = body(ctx);
      const id = await requirePrincipal(ctx);
      if (input.principalId.toLowerCase() !== id.toLowerCase()) throw new HttpError(400, 'invalidPrincipal', `principalId must be ${id}, the ${type === 'User' ? 'user' : 'group'} in the URL.`);
      if (!service.app(input.resourceId)) throw new HttpError(400, 'invalidResource', `resourceId must be the id of an app; there is no app ${input.resourceId}.`);
      await created(ctx, await service.assign(input.resourceId, { type, id }, actorOf(principalOf(ctx)), ctx.state.requestId, undefined, { appRoleId: input.appRoleId, expiresAt: input.expirationDateTime }));
    });

    router.delete(`/${segment}/:id/appRoleAssignments/:assignmentId`, permit(permission), async (ctx) => {
      const id = await requirePrincipal(ctx);
      const assignmentId = parseInput(idParam, ctx.params.assignmentId, 'invalidId');
      await service.unassign(assignmentId, { principalId: id }, actorOf(principalOf(ctx)), ctx.state.requestId);
      ctx.status = 204;
    });
  }

  return router;
}
