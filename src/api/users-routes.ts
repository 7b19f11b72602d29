import { Router } from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import type { DirectoryUsers, UserChanges } from '../directory/directory-users.js';
import type { GroupsRepository } from '../directory/groups-repository.js';
import type { IdentitiesRepository } from '../directory/identities-repository.js';
import type { UserLifecycle } from '../directory/user-lifecycle.js';
import type { User } from '../directory/user-model.js';
import type { UsersRepository } from '../directory/users-repository.js';
import { HttpError } from '../http/http-error.js';
import { parsePreferredLanguage } from '../i18n/language-tag.js';
import { PRIVILEGED_ROLES } from '../roles/directory-roles.js';
import { parseInput } from '../http/validate.js';
import { actorOf } from './api-actor.js';
import { idParam, permit, principalOf, requireJson } from './api-guards.js';
import { toGraphGroup, toGraphUser } from './graph-shapes.js';
import { onlyQueryOptions, parseUserFilter } from './odata.js';
import { keysetPageOf, keysetPaging, scopeOf, type SkipTokenCodec } from './skiptoken.js';

/** PATCH /users/{id}: the properties Foyer lets an admin change. Anything else is refused by name. */
const userPatch = z
  .strictObject({
    displayName: z.string().trim().min(1, 'must not be empty').max(256),
    accountEnabled: z.boolean(),
    // Checked by parsePreferredLanguage, so a bad tag has its own code (invalidPreferredLanguage).
    preferredLanguage: z.unknown(),
  })
  .partial()
  .refine((p) => Object.keys(p).length > 0, 'send at least one of displayName, accountEnabled, preferredLanguage');

export interface UsersRouteDeps {
  issuer: string;
  users: UsersRepository;
  identities: IdentitiesRepository;
  directory: DirectoryUsers;
  groups: GroupsRepository;
  lifecycle: UserLifecycle;
  skipTokens: SkipTokenCodec;
}

export function usersRoutes(deps: UsersRouteDeps): Router {
  const router = new Router();
  const requireUser = async (raw: string | undefined): Promise<User> => {
    const id = parseInput(idParam, raw, 'invalidId');
    const user = await deps.users.findById(id);
    if (!user) throw new HttpError(404, 'Request_ResourceNotFound', `No user has the id ${id}.`);
    return user;
  };
  /** A signed-in admin locking themselves out by API is almost always a mistake. */
  const notSelf = (ctx: Context, id: string, what: string) => {
    const principal = principalOf(ctx);
    if (principal.kind === 'user' && principal.userId === id) throw new HttpError(400, 'cannotChangeSelf', `You cannot ${what} your own account; ask another administrator.`);
  };
  /**
   * A User Administrator manages people, not the people who manage: disabling or deleting an
   * administrator (and so locking them out) takes a Global Administrator, as in Entra.
   */
  const notPrivilegedUnlessAdmin = (ctx: Context, target: User) => {
    const principal = principalOf(ctx);
    if (principal.kind === 'user' && !principal.roles.includes('admin') && target.roles.some((r) => PRIVILEGED_ROLES.includes(r))) {
      throw new HttpError(403, 'Authorization_RequestDenied', 'Insufficient privileges: only a Global Administrator may change an administrator.');
    }
  };

  router.get('/users', permit('User.Read.All'), async (ctx) => {
    onlyQueryOptions(ctx, ['$filter', '$top', '$skiptoken']);
    const filter = typeof ctx.query.$filter === 'string' ? parseUserFilter(ctx.query.$filter) : {};
    const scope = scopeOf('users', filter);
    const page = keysetPaging(ctx, deps.skipTokens, scope);
    const rows = await deps.directory.list(filter, { top: page.top + 1, after: page.after });
    ctx.body = keysetPageOf(ctx, rows, page, {
      url: `${deps.issuer}/v1.0/users`,
      scope,
      codec: deps.skipTokens,
      positionOf: (u) => ({ value: u.createdDateTime, id: u.id }),
      shape: (u) => toGraphUser(u),
    });
  });

  router.get('/users/:id', permit('User.Read.All'), async (ctx) => {
    const user = await requireUser(ctx.params.id);
    ctx.body = toGraphUser(user, await deps.identities.listForUser(user.id));
  });

  router.patch('/users/:id', requireJson, permit('User.ReadWrite.All'), async (ctx) => {
    const user = await requireUser(ctx.params.id);
    const { preferredLanguage, ...rest } = parseInput(userPatch, ctx.request.body);
    // JSON has no undefined: absent means unchanged, null clears.
    const changes: UserChanges = preferredLanguage !== undefined ? { ...rest, preferredLanguage: parsePreferredLanguage(preferredLanguage) } : rest;
    notPrivilegedUnlessAdmin(ctx, user);
    if (changes.accountEnabled === false) notSelf(ctx, user.id, 'disable');
    await deps.lifecycle.update(user.id, changes, actorOf(principalOf(ctx)), ctx.state.requestId);
    ctx.status = 204;
  });

  router.delete('/users/:id', permit('User.ReadWrite.All'), async (ctx) => {
    const user = await requireUser(ctx.params.id);
    notSelf(ctx, user.id, 'delete');
    notPrivilegedUnlessAdmin(ctx, user);
    await deps.lifecycle.delete(user.id, actorOf(principalOf(ctx)), ctx.state.requestId);
    ctx.status = 204;
  });

  router.post('/users/:id/revokeSignInSessions', permit('User.ReadWrite.All'), async (ctx) => {
    const user = await requireUser(ctx.params.id);
    notPrivilegedUnlessAdmin(ctx, user);
    await deps.lifecycle.revokeSessions(user.id, actorOf(principalOf(ctx)), ctx.state.requestId);
    ctx.body = { value: true };
  });

  router.get('/users/:id/memberOf', permit('User.Read.All'), async (ctx) => {
    const user = await requireUser(ctx.params.id);
    ctx.body = { value: (await deps.groups.groupsOf('members', user.id)).map(toGraphGroup) };
  });

  return router;
}
