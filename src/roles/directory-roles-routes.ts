import { Router } from '@koa/router';
import type { Context } from 'koa';
import { actorOf } from '../api/api-actor.js';
import { idParam, permit, principalOf, requireJson } from '../api/api-guards.js';
import { referencedId } from '../api/directory-refs.js';
import { toGraphUser } from '../api/graph-shapes.js';
import { HttpError } from '../http/http-error.js';
import { parseInput } from '../http/validate.js';
import { DIRECTORY_ROLES, roleById, type DirectoryRole } from './directory-roles.js';
import type { RoleAssignments } from './role-assignments.js';

/** A role as Graph's `directoryRole`. */
function toGraphRole(role: DirectoryRole) {
  return { '@odata.type': '#microsoft.graph.directoryRole', id: role.id, displayName: role.displayName, description: role.description, roleTemplateId: role.roleTemplateId };
}

function requireRole(ctx: Context): DirectoryRole {
  const id = parseInput(idParam, ctx.params.id, 'invalidId');
  const role = roleById(id);
  if (!role) throw new HttpError(404, 'Request_ResourceNotFound', `No directory role has the id ${id}. GET /v1.0/directoryRoles lists them.`);
  return role;
}

/**
 * Graph's directory roles: list and read them (RoleManagement.Read.Directory), and add or remove
 * members by `$ref` (RoleManagement.ReadWrite.Directory, which no role but Global Administrator
 * carries: a User Administrator cannot make anyone, themselves included, an administrator).
 */
export function directoryRolesRoutes(deps: { issuer: string; roles: RoleAssignments }): Router {
  const router = new Router();
  const read = permit('RoleManagement.Read.Directory');
  const write = permit('RoleManagement.ReadWrite.Directory');

  router.get('/directoryRoles', read, (ctx) => {
    ctx.body = { '@odata.context': `${deps.issuer}/v1.0/$metadata#directoryRoles`, value: DIRECTORY_ROLES.map(toGraphRole) };
  });

  router.get('/directoryRoles/:id', read, (ctx) => {
    ctx.body = toGraphRole(requireRole(ctx));
  });

  router.get('/directoryRoles/:id/members', read, async (ctx) => {
    const role = requireRole(ctx);
    ctx.body = { value: (await deps.roles.members(role)).map((u) => ({ '@odata.type': '#microsoft.graph.user', ...toGraphUser(u) })) };
  });

  router.post('/directoryRoles/:id/members/$ref', requireJson, write, async (ctx) => {
    const role = requireRole(ctx);
    const userId = referencedId(ctx.request.body, deps.issuer);
    const added = await deps.roles.grant(role, userId, actorOf(principalOf(ctx)), ctx.state.requestId);
    if (!added) throw new HttpError(400, 'alreadyMember', 'That user already holds this role.');
    ctx.status = 204;
  });

  router.delete('/directoryRoles/:id/members/:userId/$ref', write, async (ctx) => {
    const role = requireRole(ctx);
    const userId = parseInput(idParam, ctx.params.userId, 'invalidId');
    await deps.roles.revoke(role, userId, actorOf(principalOf(ctx)), ctx.state.requestId);
    ctx.status = 204;
  });

  return router;
}
