import { Router } from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import type { AuditLog } from '../audit/audit-log.js';
import type { Database } from '../db/connect.js';
import type { AssignmentsRepository } from '../directory/assignments-repository.js';
import type { Group, GroupLink, GroupsRepository } from '../directory/groups-repository.js';
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
  db: Database;
  issuer: string;
  groups: GroupsRepository;
  assignments: AssignmentsRepository;
  users: UsersRepository;
  ownership: Ownership;
  audit: AuditLog;
}

const LINK_NAMES: Record<GroupLink, { one: string; added: string; removed: string }> = {
  members: { one: 'member', added: 'Add member to group', removed: 'Remove member from group' },
  owners: { one: 'owner', added: 'Add owner to group', removed: 'Remove owner from group' },
};

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

  const requireGroup = async (raw: string | undefined, trx?: Database): Promise<Group> => {
    const id = parseInput(idParam, raw, 'invalidId');
    const group = await groups.findById(id, trx);
    if (!group) throw new HttpError(404, 'Request_ResourceNotFound', `No group has the id ${id}.`);
    return group;
  };

  router.post('/groups', requireJson, permit('Group.ReadWrite.All'), async (ctx) => {
    const input = parseInput(newGroup, ctx.request.body);
    const group = await deps.db.transaction(async (trx) => {
      const created = await groups.create(input, trx);
      await deps.audit.record(
        { category: 'GroupManagement', activity: 'Add group', result: 'success', actor: actorOf(principalOf(ctx)), target: { type: 'Group', id: created.id }, details: { displayName: created.displayName }, correlationId: ctx.state.requestId },
        trx,
      );
      return created;
    });
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
    await deps.db.transaction(async (trx) => {
      const group = await requireGroup(ctx.params.id, trx);
      const unassigned = await deps.assignments.removeForPrincipal('Group', group.id, trx);
      await groups.delete(group.id, trx);
      await deps.audit.record(
        { category: 'GroupManagement', activity: 'Delete group', result: 'success', actor: actorOf(principalOf(ctx)), target: { type: 'Group', id: group.id }, details: { displayName: group.displayName, appAssignmentsRemoved: unassigned }, correlationId: ctx.state.requestId },
        trx,
      );
    });
    ctx.status = 204;
  });

  for (const link of ['members', 'owners'] as const) {
    const names = LINK_NAMES[link];
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
      await deps.db.transaction(async (trx) => {
        const group = await requireGroup(ctx.params.id, trx);
        const user = await deps.users.findById(userId, trx);
        if (!user) throw new HttpError(404, 'Request_ResourceNotFound', `No user has the id ${userId}.`);
        if (!(await groups.addLink(link, group.id, user.id, trx))) {
          throw new HttpError(400, link === 'members' ? 'alreadyMember' : 'alreadyOwner', `${user.mail} is already ${link === 'members' ? 'a member' : 'an owner'} of ${group.displayName}.`);
        }
        await deps.audit.record(
          { category: 'GroupManagement', activity: names.added, result: 'success', actor: actorOf(principalOf(ctx)), target: { type: 'Group', id: group.id }, details: { userId: user.id, asOwner: Boolean(ctx.state.asOwner) }, correlationId: ctx.state.requestId },
          trx,
        );
      });
      ctx.status = 204;
    });

    router.delete(`/groups/:id/${link}/:userId/$ref`, mayChange, async (ctx) => {
      const userId = parseInput(idParam, ctx.params.userId, 'invalidId');
      await deps.db.transaction(async (trx) => {
        const group = await requireGroup(ctx.params.id, trx);
        if (!(await groups.removeLink(link, group.id, userId, trx))) {
          throw new HttpError(404, 'Request_ResourceNotFound', `The user ${userId} is not ${link === 'members' ? 'a member' : 'an owner'} of ${group.displayName}.`);
        }
        await deps.audit.record(
          { category: 'GroupManagement', activity: names.removed, result: 'success', actor: actorOf(principalOf(ctx)), target: { type: 'Group', id: group.id }, details: { userId, asOwner: Boolean(ctx.state.asOwner) }, correlationId: ctx.state.requestId },
          trx,
        );
      });
      ctx.status = 204;
    });
  }

  return router;
}
