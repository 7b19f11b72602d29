import { randomBytes } from 'node:crypto';
import { Router } from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { z } from 'zod';
import type { User } from '../directory/user-model.js';
import type { UsersRepository } from '../directory/users-repository.js';
import { parseBodies } from '../http/body-parser.js';
import { csrfProtection } from '../http/csrf.js';
import type { PageRenderer } from '../http/render.js';
import { askForLanguage } from '../i18n/request-language.js';
import { myAppsUrl } from '../portal/portal-client.js';
import { beginPortalSignIn } from '../portal/portal-sign-in-routes.js';
import { signedInAccountId } from '../provider/browser-session.js';
import { landingAfterRedemption } from './initiate-login.js';
import { setRedemptionCookie } from './redemption-cookie.js';
import { redemptionRefused, type RedemptionService, type TicketLookup } from './redemption-service.js';
import { hashTicket, looksLikeTicket } from './redeem-ticket.js';

export interface RedemptionRouteDeps {
  redemption: RedemptionService;
  renderer: PageRenderer;
  provider: Provider;
  users: UsersRepository;
  issuer: string;
  secureCookies: boolean;
  /** Partner settings for the review page: skip it (automatic redemption), and the guest's contact. */
  partners?: { autoRedeem(email: string): boolean; sponsor(email: string): string | undefined };
}

/**
 * The link in the invitation mail: a page that names the host organisation and the inviter and
 * asks for consent; accepting starts a sign-in in which home-realm discovery uses the invited
 * address. A link that can no longer be redeemed says why on its own page. A browser signed in as
 * someone else is told so, and switches account only when the person says to.
 */
export function redemptionRoutes(deps: RedemptionRouteDeps): Router {
  const router = new Router();
  router.use('/redeem', parseBodies(), csrfProtection({ secure: deps.secureCookies }));

  router.get('/redeem', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    const { ticket, lookup } = await lookupFrom(ctx, ctx.query.t);
    // The language the inviter chose for this guest (messageLanguage) wins over the browser's.
    askForLanguage(ctx, lookup.invitation?.message_language);
    if (lookup.state !== 'valid' && lookup.state !== 'redeemed') throw redemptionRefused(lookup);
    const other = await otherSignedInUser(ctx, lookup);
    if (lookup.state === 'redeemed') {
      if (other) return showSwitch(ctx, lookup, ticket, other);
      // A second click on a used link simply signs the guest in and takes them to the app.
      ctx.redirect(signIn(ctx, lookup, { switching: false }));
      return;
    }
    const inv = lookup.invitation!;
    // A partner with automatic redemption (automaticUserConsentSettings.inboundAllowed): no review
    // page, straight to sign-in. Never in a browser signed in as someone else: that still asks.
    if (!other && deps.partners?.autoRedeem(inv.invited_email)) return beginRedemption(ctx, lookup, ticket, false);
    await deps.renderer.page(ctx, 'redeem', {
      inviterName: inv.invited_by_name ?? deps.renderer.translator(ctx).t('redeem.anAdministrator'),
      appName: lookup.app?.displayName,
      customMessage: inv.message_body,
      email: inv.invited_email,
      signedInAs: other?.mail,
      sponsor: deps.partners?.sponsor(inv.invited_email),
      ticket,
    });
  });

  router.post('/redeem', async (ctx) => {
    const body = (ctx.request.body as Record<string, unknown> | undefined) ?? {};
    const { ticket, lookup } = await lookupFrom(ctx, body.t);
    askForLanguage(ctx, lookup.invitation?.message_language);
    const switching = body.switchAccount === '1';
    const other = lookup.state === 'valid' || (lookup.state === 'redeemed' && switching) ? await otherSignedInUser(ctx, lookup) : undefined;
    if (lookup.state === 'redeemed' && switching) {
      ctx.status = 303;
      ctx.redirect(signIn(ctx, lookup, { switching: Boolean(other) }));
      return;
    }
    if (lookup.state !== 'valid') {
      await deps.redemption.recordFailure(lookup.invitation?.id, lookup.refusal?.code ?? lookup.state, ctx.state.requestId);
      throw redemptionRefused(lookup);
    }
    // A review page rendered before someone else signed in here: ask, do not switch silently.
    if (other && !switching) return showSwitch(ctx, lookup, ticket, other);
    return beginRedemption(ctx, lookup, ticket, Boolean(other));
  });

  /** Accepting: the redemption cookie names this invitation and the nonce of the one sign-in that may take it. */
  function beginRedemption(ctx: Context, lookup: TicketLookup, ticket: string, switching: boolean): void {
    const nonce = randomBytes(24).toString('base64url');
    setRedemptionCookie(ctx, { invitationId: lookup.invitation!.id, ticketHash: hashTicket(ticket), nonce }, deps.secureCookies);
    ctx.status = 303;
    ctx.redirect(signIn(ctx, lookup, { switching, nonce }));
  }

  /** The user this browser is signed in as, when that is not the invited user. */
  async function otherSignedInUser(ctx: Context, lookup: TicketLookup): Promise<User | undefined> {
    const accountId = await signedInAccountId(deps.provider, ctx);
    if (!accountId || accountId === lookup.invitation!.user_id) return undefined;
    return deps.users.findById(accountId);
  }

  async function showSwitch(ctx: Context, lookup: TicketLookup, ticket: string, other: User): Promise<void> {
    await deps.renderer.page(ctx, 'redeem-switch', { signedInAs: other.mail, invitedEmail: lookup.invitation!.invited_email, ticket, myAppsUrl: myAppsUrl(deps.issuer) });
  }

  /** Switching account asks for a fresh sign-in; oidc-provider then ends the other account's session first. */
  function signIn(ctx: Context, lookup: TicketLookup, opts: { switching: boolean; nonce?: string }): string {
    return beginPortalSignIn(ctx, {
      issuer: deps.issuer,
      returnTo: landingAfterRedemption({ issuer: deps.issuer, redirectUrl: lookup.invitation!.invite_redirect_url, app: lookup.app, invitedEmail: lookup.invitation!.invited_email }),
      loginHint: lookup.invitation!.invited_email,
      uiLocales: lookup.invitation!.message_language,
      secureCookies: deps.secureCookies,
      ...(opts.nonce ? { nonce: opts.nonce } : {}),
      ...(opts.switching ? { reauthenticate: {} } : {}),
    });
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
