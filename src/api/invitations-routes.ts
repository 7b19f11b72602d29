import { Router } from '@koa/router';
import { z } from 'zod';
import { HttpError } from '../http/http-error.js';
import { parseInput } from '../http/validate.js';
import { createInvitationInput } from '../invitations/invitation-input.js';
import type { InvitationService } from '../invitations/invitation-service.js';
import { idParam, inviterFrom, permit, principalOf, requireJson } from './api-guards.js';
import { keysetPageOf, keysetPaging, scopeOf, type SkipTokenCodec } from './skiptoken.js';

const statusFilter = z.enum(['PendingAcceptance', 'Completed', 'Revoked', 'Superseded']);

/**
 * Graph's invitation manager: POST /invitations as in Graph; Foyer adds list, get, resend and
 * revoke (Graph has no such routes: there you re-invite or delete the user).
 */
export function invitationsRoutes(deps: { service: InvitationService; issuer: string; skipTokens: SkipTokenCodec }): Router {
  const { service } = deps;
  const router = new Router();

  router.post('/invitations', requireJson, permit('User.Invite.All'), async (ctx) => {
    const input = parseInput(createInvitationInput, ctx.request.body);
    ctx.status = 201;
    ctx.body = await service.create(input, inviterFrom(principalOf(ctx)), ctx.state.requestId);
  });

  router.get('/invitations', permit('User.Invite.All'), async (ctx) => {
    const status = ctx.query.status === undefined ? undefined : parseInput(statusFilter, ctx.query.status, 'invalidQuery');
    const scope = scopeOf('invitations', { status });
    const page = keysetPaging(ctx, deps.skipTokens, scope);
    const items = await service.list({ top: page.top + 1, after: page.after, status }, inviterFrom(principalOf(ctx)));
    ctx.body = keysetPageOf(ctx, items, page, {
      url: `${deps.issuer}/v1.0/invitations`,
      scope,
      codec: deps.skipTokens,
      positionOf: (i) => ({ value: i.createdDateTime, id: i.id }),
      shape: (i) => i,
    });
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
