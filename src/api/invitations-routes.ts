import { Router } from '@koa/router';
import { z } from 'zod';
import { HttpError } from '../http/http-error.js';
import { parseInput } from '../http/validate.js';
import { createInvitationInput } from '../invitations/invitation-input.js';
import type { InvitationService } from '../invitations/invitation-service.js';
import { fetchWindow, pageOf } from './odata.js';
import { idParam, inviterFrom, paging, permit, principalOf, requireJson } from './api-guards.js';

const statusFilter = z.enum(['PendingAcceptance', 'Completed', 'Revoked', 'Superseded']);

/**
 * Graph's invitation manager: POST /invitations as in Graph; Foyer adds list, get, resend and
 * revoke (Graph has no such routes: there you re-invite or delete the user).
 */
export function invitationsRoutes(deps: { service: InvitationService; issuer: string }): Router {
  const { service } = deps;
  const router = new Router();

  router.post('/invitations', requireJson, permit('User.Invite.All'), async (ctx) => {
    const input = parseInput(createInvitationInput, ctx.request.body);
    ctx.status = 201;
    ctx.body = await service.create(input, inviterFrom(principalOf(ctx)), ctx.state.requestId);
  });

  router.get('/invitations', permit('User.Invite.All'), async (ctx) => {
    const page = paging(ctx);
    const status = ctx.query.status === undefined ? undefined : parseInput(statusFilter, ctx.query.status, 'invalidQuery');
    const items = await service.list({ ...fetchWindow(page), status }, inviterFrom(principalOf(ctx)));
    ctx.body = pageOf(ctx, items, page, `${deps.issuer}/v1.0/invitations`);
  });

  router.get('/invitations/:id', permit('User.Invite.All'), async (ctx) => {
    ctx.body = await service.get(parseInput(idParam, ctx.params.id, 'invalidId'), inviterFrom(principalOf(ctx)));
  });

  router.post('/invitations/:id/resend', permit('User.Invite.All'), async (ctx) => {
    ctx.body = await service.resend(parseInput(idParam, ctx.params.id, 'invalidId'), inviterFrom(principalOf(ctx)), ctx.state.requestId);
  });

  router.post('/invitations/:id/revoke', permit('User.Invite.All'), async (ctx) => {
    ctx.body = await service.revoke(parseInput(idParam, ctx.params.id, 'invalidId'), inviterFrom(principalOf(ctx)), ctx.state.requestId);
  });

  router.all('/invitations/:id', () => {
    throw new HttpError(405, 'methodNotAllowed', 'Use GET to read an invitation, POST …/resend or POST …/revoke to change it.');
  });

  return router;
}
