import { Router } from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import type { GroupService } from '../directory/group-service.js';
import type { Group, GroupsRepository } from '../directory/groups-repository.js';
import type { Ownership } from '../directory/ownership.js';
import type { UsersRepository } from '../directory/users-repository.js';
import { HttpError } from '../http/http-error.js';
import { parseInput } from '../http/validate.js';
import { actorOf } from './api-actor.js';
import { idParam, paging, permit, principalOf, requireJson } from './api-guards.js';
import { referencedId } from './directory-refs.js';
import { fetchWindow, onlyQueryOptions, pageOf } from './odata.js';
import { permitOrOwner } from './owner-guard.js';
import { toGraphGroup, toGraphUser } from './graph-shapes.js';

const newGroup = z.strictObject({
  displayName: z.string().trim().min(1, 'must not be empty').max(256),
  description: z.string().trim().max(1024).nullable().optional(),
});

export interface GroupsRouteDeps {
  issuer: string;
  groups: GroupsRepository;
  users: UsersRepository;
  ownership: Ownership;
  groupService: GroupService;
}

/**
 * Graph's groups: create, list, get, delete, and members and owners by `$ref`. Admins (and apps)
 * need Group.ReadWrite.All; a group's owners may read it and change its members, not its owners.
 */
export function groupsRoutes(deps: GroupsRouteDeps): Router {
  const router = new Router();
  const { groups } = deps;

  const ownsGroup = async (ctx: Context, principal: { userId: string }) => {
    const id = idParam.safeParse(ctx.params.id);
    const user = await deps.users.findById(principal.userId);
    return Boolean(id.success && user && (await deps.ownership.ownsGroup(user, id.data)));
  };
  const asAdminOrOwner = permitOrOwner('Group.ReadWrite.All', ownsGroup);

  const requireGroup = async (raw: string | undefined): Promise<Group> => {
    const id = parseInput(idParam, raw, 'invalidId');
    const group = await groups.findById(id);
    if (!group) throw new HttpError(404, 'Request_ResourceNotFound', `No group has the id ${id}.`);
    return group;
  };

  router.post('/groups', requireJson, permit('Group.ReadWrite.All'), async (ctx) => {
    const input = parseInput(newGroup, ctx.request.body);
    const group = await deps.groupService.create(input, actorOf(principalOf(ctx)), ctx.state.requestId);
    ctx.status = 201;
    ctx.set('Location', `${deps.issuer}/v1.0/groups/${group.id}`);
    ctx.body = toGraphGroup(group);
  });

  router.get('/groups', permit('Group.ReadWrite.All'), async (ctx) => {
    onlyQueryOptions(ctx, ['$top', '$skiptoken']);
    const page = paging(ctx);
    const rows = await groups.list(fetchWindow(page));
    ctx.body = pageOf(ctx, rows.map(toGraphGroup), page, `${deps.issuer}/v1.0/groups`);
  });

  router.get('/groups/:id', asAdminOrOwner, async (ctx) => {
    ctx.body = toGraphGroup(await requireGroup(ctx.params.id));
  });

  router.delete('/groups/:id', permit('Group.ReadWrite.All'), async (ctx) => {
    await deps.groupService.delete(parseInput(idParam, ctx.params.id, 'invalidId'), actorOf(principalOf(ctx)), ctx.state.requestId);
    ctx.status = 204;
  });

  for (const link of ['members', 'owners'] as const) {
    // Owners manage members; only admins change who owns a group.
    const mayChange = link === 'members' ? asAdminOrOwner : permit('Group.ReadWrite.All');

    router.get(`/groups/:id/${link}`, asAdminOrOwner, async (ctx) => {
      onlyQueryOptions(ctx, ['$top', '$skiptoken']);
      const page = paging(ctx);
      const group = await requireGroup(ctx.params.id);
      const rows = await groups.listLinked(link, group.id, fetchWindow(page));
      ctx.body = pageOf(ctx, rows.map((u) => ({ '@odata.type': '#microsoft.graph.user', ...toGraphUser(u) })), page, `${deps.issuer}/v1.0/groups/${group.id}/${link}`);
    });

    router.post(`/groups/:id/${link}/$ref`, requireJson, mayChange, async (ctx) => {
      const userId = referencedId(ctx.request.body, deps.issuer);
      await deps.groupService.add(link, parseInput(idParam, ctx.params.id, 'invalidId'), userId, actorOf(principalOf(ctx)), ctx.state.requestId, Boolean(ctx.state.asOwner));
      ctx.status = 204;
    });

    router.delete(`/groups/:id/${link}/:userId/$ref`, mayChange, async (ctx) => {
      const userId = parseInput(idParam, ctx.params.userId, 'invalidId');
      await deps.groupService.remove(link, parseInput(idParam, ctx.params.id, 'invalidId'), userId, actorOf(principalOf(ctx)), ctx.state.requestId, Boolean(ctx.state.asOwner));
      ctx.status = 204;
    });
  }

  return router;
}
