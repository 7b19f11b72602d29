import { Router } from '@koa/router';
import type { Database } from '../db/connect.js';
import type { AssignmentsRepository } from '../directory/assignments-repository.js';
import type { GroupsRepository } from '../directory/groups-repository.js';
import type { Ownership } from '../directory/ownership.js';
import type { Sponsors } from '../directory/sponsors.js';
import type { User } from '../directory/user-model.js';
import type { UsersRepository } from '../directory/users-repository.js';
import { HttpError } from '../http/http-error.js';
import { parseInput } from '../http/validate.js';
import { actorOf } from './api-actor.js';
import { idParam, principalOf, requireJson } from './api-guards.js';
import { referencedId } from './directory-refs.js';
import { toGraphUser } from './graph-shapes.js';
import { permitOrOwner, type Owns } from './owner-guard.js';

export interface SponsorsRouteDeps {
  db: Database;
  issuer: string;
  users: UsersRepository;
  sponsors: Sponsors;
  ownership: Ownership;
  assignments: AssignmentsRepository;
  groups: GroupsRepository;
}

/**
 * Graph's user sponsors: `GET /users/{id}/sponsors`, `POST /users/{id}/sponsors/$ref`,
 * `DELETE /users/{id}/sponsors/{sponsorId}/$ref`. Admins (User.ReadWrite.All) change anyone's; an
 * owner changes those of a guest in one of their apps or groups, nobody else's.
 */
export function sponsorsRoutes(deps: SponsorsRouteDeps): Router {
  const router = new Router();
  const requireGuest = async (raw: string | undefined, trx: Database = deps.db): Promise<User> => {
    const id = parseInput(idParam, raw, 'invalidId');
    const user = await deps.users.findById(id, trx);
    if (!user) throw new HttpError(404, 'Request_ResourceNotFound', `No user has the id ${id}.`);
    if (user.userType !== 'Guest') throw new HttpError(400, 'notAGuest', 'Sponsors are for guests; members answer to their organisation.');
    return user;
  };

  /** The caller owns an app the guest is assigned to, or a group the guest is a member of. */
  const ownsGuest: Owns = async (ctx, principal) => {
    const id = idParam.safeParse(ctx.params.id);
    const owner = await deps.users.findById(principal.userId);
    if (!id.success || !owner) return false;
    const apps = deps.ownership.appsOwnedBy(owner).map((a) => a.id);
    const guestApps = await deps.assignments.appIdsForUser(id.data);
    if (apps.some((a) => guestApps.has(a))) return true;
    const owned = new Set((await deps.ownership.groupsOwnedBy(owner)).map((g) => g.id));
    return (await deps.groups.groupsOf('members', id.data)).some((g) => owned.has(g.id));
  };
  const mayRead = permitOrOwner('User.Read.All', ownsGuest);
  const mayChange = permitOrOwner('User.ReadWrite.All', ownsGuest);

  router.get('/users/:id/sponsors', mayRead, async (ctx) => {
    const guest = await requireGuest(ctx.params.id);
    ctx.body = { '@odata.context': `${deps.issuer}/v1.0/$metadata#directoryObjects`, value: (await deps.sponsors.list(guest.id)).map((u) => ({ '@odata.type': '#microsoft.graph.user', ...toGraphUser(u) })) };
  });

  router.post('/users/:id/sponsors/$ref', requireJson, mayChange, async (ctx) => {
    const sponsorId = referencedId(ctx.request.body, deps.issuer);
    await deps.db.transaction(async (trx) => {
      const guest = await requireGuest(ctx.params.id, trx);
      if (!(await deps.sponsors.add(guest.id, sponsorId, actorOf(principalOf(ctx)), trx, ctx.state.requestId))) {
        throw new HttpError(400, 'alreadySponsor', 'That user already sponsors this guest.');
      }
    });
    ctx.status = 204;
  });

  router.delete('/users/:id/sponsors/:sponsorId/$ref', mayChange, async (ctx) => {
    const sponsorId = parseInput(idParam, ctx.params.sponsorId, 'invalidId');
    await deps.db.transaction(async (trx) => {
      const guest = await requireGuest(ctx.params.id, trx);
      if (!(await deps.sponsors.remove(guest.id, sponsorId, actorOf(principalOf(ctx)), trx, ctx.state.requestId))) {
        throw new HttpError(404, 'Request_ResourceNotFound', `The user ${sponsorId} does not sponsor this guest.`);
      }
    });
    ctx.status = 204;
  });

  return router;
}
