import { Router } from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { HttpError } from '../http/http-error.js';
import { formErrorMessage } from '../i18n/page-message.js';
import { STATE_LABEL_KEY } from './guest-summary.js';
import type { PageRenderer } from '../http/render.js';
import type { DelegatedGuests, ManagedTarget } from './delegated-guests.js';
import { navOf } from './portal-nav.js';
import { portalUser } from './portal-auth.js';

const inviteForm = z.object({
  email: z.string().trim().pipe(z.email('console.guests.enterEmail').max(320)),
  displayName: z.string().trim().max(256, 'console.guests.nameTooLong').optional(),
  message: z.string().trim().max(4000, 'console.guests.messageTooLong').optional(),
});

const kindParam = z.enum(['app', 'group']);
const actionParam = z.enum(['resend', 'revoke', 'remove']);
const roleForm = z.object({ appRoleId: z.string().trim().min(1).max(64), op: z.enum(['give', 'take']) });

/** Fixed notices after a post-redirect-get; the query names one, never carries text. */
const NOTICES: Record<string, string> = {
  invited: 'manageGuests.noticeInvited',
  added: 'manageGuests.noticeAdded',
  resent: 'manageGuests.noticeResent',
  revoke: 'manageGuests.noticeRevoked',
  remove: 'manageGuests.noticeRemoved',
  give: 'manageGuests.noticeGiven',
  take: 'manageGuests.noticeTaken',
  resend: 'manageGuests.noticeResent',
};

/**
 * The owner's pages: one per app or group they own, with an invite form and the guests who have
 * access through it. Every action goes through DelegatedGuests, which checks ownership.
 */
export function manageRoutes(deps: { delegated: DelegatedGuests; renderer: PageRenderer }): Router {
  const router = new Router();
  const { delegated } = deps;

  const target = (ctx: Context): Promise<ManagedTarget> => {
    const kind = kindParam.safeParse(ctx.params.kind);
    if (!kind.success) throw new HttpError(404, 'notFound', 'There is no such page.');
    return delegated.requireTarget(portalUser(ctx), kind.data, ctx.params.id ?? '');
  };
  const pageUrl = (t: ManagedTarget) => `/myapps/manage/${t.kind}/${encodeURIComponent(t.id)}`;

  async function show(ctx: Context, t: ManagedTarget, extra: { error?: string; errorCode?: string; form?: Record<string, string>; status?: number } = {}) {
    const tr = deps.renderer.translator(ctx);
    const notice = typeof ctx.query.notice === 'string' && Object.hasOwn(NOTICES, ctx.query.notice) ? tr.t(NOTICES[ctx.query.notice]!) : undefined;
    const roles = await delegated.rolesOf(t);
    await deps.renderer.page(
      ctx,
      'manage-guests',
      {
        ...navOf(ctx, 'manage'),
        target: { kind: t.kind, name: t.name, url: pageUrl(t), landing: t.kind === 'app' ? t.app.launchUrl ?? '' : 'My Apps', signedInOnArrival: t.kind === 'app' && Boolean(t.app.initiateLoginUri) },
        appRoles: t.kind === 'app' ? t.app.appRoles.map((r) => ({ id: r.id, value: r.value, displayName: r.displayName })) : [],
        guests: (await delegated.guestsOf(t)).map((g) => ({
          id: g.user.id,
          mail: g.user.mail,
          displayName: g.user.displayName,
          state: g.state,
          stateLabel: tr.t(STATE_LABEL_KEY[g.state]),
          invitedBy: g.invitedBy,
          lastSignIn: g.user.lastSignInDateTime,
          canResend: Boolean(g.pendingInvitationId),
          roles: roles.get(g.user.id) ?? [],
        })),
        notice,
        error: extra.error,
        errorCode: extra.errorCode,
        form: extra.form ?? {},
      },
      extra.status ?? 200,
    );
  }

  router.get('/myapps/manage/:kind/:id', async (ctx) => {
    await show(ctx, await target(ctx));
  });

  router.post('/myapps/manage/:kind/:id/invite', async (ctx) => {
    const t = await target(ctx);
    const body = (ctx.request.body ?? {}) as Record<string, unknown>;
    const form = { email: String(body.email ?? ''), displayName: String(body.displayName ?? ''), message: String(body.message ?? '') };
    const parsed = inviteForm.safeParse({ email: form.email, displayName: form.displayName || undefined, message: form.message || undefined });
    if (!parsed.success) return show(ctx, t, { error: parsed.error.issues.map((i) => deps.renderer.translator(ctx).t(i.message)).join(' '), form, status: 400 });
    let result;
    try {
      result = await delegated.invite(t, portalUser(ctx), parsed.data, ctx.state.requestId);
    } catch (err) {
      // The invitation rules (domains, who may invite) answer on the same page, with what was typed.
      if (err instanceof HttpError && err.status < 500) return show(ctx, t, { error: formErrorMessage(deps.renderer.translator(ctx), err), errorCode: err.code, form, status: err.status });
      throw err;
    }
    ctx.status = 303;
    ctx.redirect(`${pageUrl(t)}?notice=${result.kind}`);
  });

  router.post('/myapps/manage/:kind/:id/guests/:userId/role', async (ctx) => {
    const t = await target(ctx);
    const form = roleForm.safeParse(ctx.request.body ?? {});
    if (!form.success) throw new HttpError(400, 'invalidRequest', 'Choose a role, then give it or take it away.');
    await delegated.setRole(t, portalUser(ctx), ctx.params.userId ?? '', form.data.appRoleId, form.data.op === 'give', ctx.state.requestId);
    ctx.status = 303;
    ctx.redirect(`${pageUrl(t)}?notice=${form.data.op}`);
  });

  router.post('/myapps/manage/:kind/:id/guests/:userId/:action', async (ctx) => {
    const t = await target(ctx);
    const action = actionParam.safeParse(ctx.params.action);
    if (!action.success) throw new HttpError(404, 'notFound', 'There is no such action.');
    const owner = portalUser(ctx);
    const guestId = ctx.params.userId ?? '';
    if (action.data === 'resend') await delegated.resend(t, owner, guestId, ctx.state.requestId);
    else if (action.data === 'revoke') await delegated.revoke(t, owner, guestId, ctx.state.requestId);
    else await delegated.remove(t, owner, guestId, ctx.state.requestId);
    ctx.status = 303;
    ctx.redirect(`${pageUrl(t)}?notice=${action.data}`);
  });

  return router;
}
