import { Router } from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { parseBodies } from '../http/body-parser.js';
import { csrfProtection } from '../http/csrf.js';
import type { PageRenderer } from '../http/render.js';
import { beginPortalSignIn } from '../portal/portal-sign-in-routes.js';
import { setRedemptionCookie } from './redemption-cookie.js';
import { redemptionRefused, type RedemptionService, type TicketLookup } from './redemption-service.js';
import { hashTicket, looksLikeTicket } from './redeem-ticket.js';

/**
 * The link in the invitation mail: a page that names the host organisation and the inviter and
 * asks for consent; accepting starts a sign-in in which home-realm discovery uses the invited
 * address. A link that can no longer be redeemed says why on its own page.
 */
export function redemptionRoutes(deps: { redemption: RedemptionService; renderer: PageRenderer; issuer: string; secureCookies: boolean }): Router {
  const router = new Router();
  router.use('/redeem', parseBodies(), csrfProtection({ secure: deps.secureCookies }));

  router.get('/redeem', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    const { ticket, lookup } = await lookupFrom(ctx, ctx.query.t);
    if (lookup.state === 'redeemed') {
      // A second click on a used link simply signs the guest in and takes them to the app.
      ctx.redirect(signIn(ctx, lookup, lookup.invitation!.invite_redirect_url));
      return;
    }
    if (lookup.state !== 'valid') throw redemptionRefused(lookup.state);
    const inv = lookup.invitation!;
    await deps.renderer.page(ctx, 'redeem', {
      inviterName: inv.invited_by_name ?? 'An administrator',
      appName: lookup.app?.displayName,
      customMessage: inv.message_body,
      email: inv.invited_email,
      ticket,
    });
  });

  router.post('/redeem', async (ctx) => {
    const { ticket, lookup } = await lookupFrom(ctx, (ctx.request.body as Record<string, unknown> | undefined)?.t);
    if (lookup.state !== 'valid') {
      await deps.redemption.recordFailure(lookup.invitation?.id, lookup.state, ctx.state.requestId);
      throw redemptionRefused(lookup.state);
    }
    setRedemptionCookie(ctx, { invitationId: lookup.invitation!.id, ticketHash: hashTicket(ticket) }, deps.secureCookies);
    ctx.status = 303;
    ctx.redirect(signIn(ctx, lookup, lookup.invitation!.invite_redirect_url));
  });

  function signIn(ctx: Context, lookup: TicketLookup, returnTo: string): string {
    return beginPortalSignIn(ctx, { issuer: deps.issuer, returnTo, loginHint: lookup.invitation!.invited_email, secureCookies: deps.secureCookies });
  }

  async function lookupFrom(ctx: Context, raw: unknown): Promise<{ ticket: string; lookup: TicketLookup }> {
    const ticket = z.string().safeParse(raw);
    if (!ticket.success || !looksLikeTicket(ticket.data)) {
      await deps.redemption.recordFailure(undefined, 'malformed ticket', ctx.state.requestId);
      throw redemptionRefused('notFound');
    }
    return { ticket: ticket.data, lookup: await deps.redemption.inspectTicket(ticket.data) };
  }

  return router;
}
