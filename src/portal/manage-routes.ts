import { Router } from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { HttpError } from '../http/http-error.js';
import type { PageRenderer } from '../http/render.js';
import type { DelegatedGuests, ManagedTarget } from './delegated-guests.js';
import { navOf } from './portal-nav.js';
import { portalUser } from './portal-auth.js';

const inviteForm = z.object({
  email: z.string().trim().pipe(z.email('Enter the guest’s email address, like name@partner.example.').max(320)),
  displayName: z.string().trim().max(256, 'The name is too long (256 characters at most).').optional(),
  message: z.string().trim().max(4000, 'The message is too long (4000 characters at most).').optional(),
});

const kindParam = z.enum(['app', 'group']);
const actionParam = z.enum(['resend', 'revoke', 'remove']);
const roleForm = z.object({ appRoleId: z.string().trim().min(1).max(64), op: z.enum(['give', 'take']) });

/** Fixed notices after a post-redirect-get; the query names one, never carries text. */
const NOTICES: Record<string, string> = {
  invited: 'Invitation sent. The guest appears below as pending until they accept.',
  added: 'Access given. That person is a member of the organisation, so no invitation was needed.',
  resent: 'A new invitation was sent. The link in the earlier one no longer works.',
  revoke: 'The invitation was withdrawn; its link no longer works.',
  remove: 'Access removed.',
  give: 'Role given. It reaches the app at the guest’s next sign-in or token refresh.',
  take: 'Role taken away. It leaves the app at the guest’s next sign-in or token refresh.',
  resend: 'A new invitation was sent. The link in the earlier one no longer works.',
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
    const notice = typeof ctx.query.notice === 'string' ? NOTICES[ctx.query.notice] : undefined;
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
          stateLabel: g.stateLabel,
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
    if (!parsed.success) return show(ctx, t, { error: parsed.error.issues.map((i) => i.message).join(' '), form, status: 400 });
    let result;
    try {
      result = await delegated.invite(t, portalUser(ctx), parsed.data, ctx.state.requestId);
    } catch (err) {
      // The invitation rules (domains, who may invite) answer on the same page, with what was typed.
      if (err instanceof HttpError && err.status < 500) return show(ctx, t, { error: err.message, errorCode: err.code, form, status: err.status });
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
