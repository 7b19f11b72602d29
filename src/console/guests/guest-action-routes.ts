import type { Router } from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import type { Permission } from '../../api/api-resource.js';
import type { User } from '../../directory/user-model.js';
import { HttpError } from '../../http/http-error.js';
import { portalUser } from '../../portal/portal-auth.js';
import { summarizeGuests } from '../../portal/guest-summary.js';
import { assertConsolePermission } from '../console-access.js';
import { consolePageBase } from '../console-page.js';
import type { GuestsConsoleDeps } from './guests-console-deps.js';
import { adminInviter } from './invite-form.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type Action = 'resend' | 'revoke' | 'enable' | 'reset' | 'disable' | 'revoke-sessions' | 'delete';
const actionParam = z.enum(['resend', 'revoke', 'enable', 'reset', 'disable', 'revoke-sessions', 'delete']);

/** What each action asks of the admin's directory role: the permission the API asks of a token. */
const ACTION_PERMISSION: Record<Action, Permission> = {
  resend: 'User.Invite.All',
  revoke: 'User.Invite.All',
  enable: 'User.ReadWrite.All',
  reset: 'User.ReadWrite.All',
  disable: 'User.ReadWrite.All',
  'revoke-sessions': 'User.ReadWrite.All',
  delete: 'User.ReadWrite.All',
};

/**
 * The destructive ones: the first POST shows what will happen; only a second with confirm=yes acts.
 * Catalog keys: the title (with the guest's {name}), the consequence and the button.
 */
const CONFIRM: Partial<Record<Action, Ask>> = {
  reset: { title: 'console.guestConfirm.resetTitle', consequence: 'console.guestConfirm.resetConsequence', button: 'console.guest.reset' },
  disable: { title: 'console.guestConfirm.disableTitle', consequence: 'console.guestConfirm.disableConsequence', button: 'console.guest.disable' },
  'revoke-sessions': { title: 'console.guestConfirm.signOutTitle', consequence: 'console.guestConfirm.signOutConsequence', button: 'console.guest.signOutEverywhere' },
  delete: { title: 'console.guestConfirm.deleteTitle', consequence: 'console.guestConfirm.deleteConsequence', button: 'console.guest.delete' },
};
interface Ask {
  title: string;
  consequence: string;
  button: string;
  subject?: string;
}

/** `<app id> <role id>`: one select names both. */
const roleForm = z.object({ role: z.string().trim().regex(/^[A-Za-z0-9._-]{3,64} [0-9A-Fa-f-]{36}$/), op: z.enum(['give', 'take']) });

const confirmed = (ctx: Context) => (ctx.request.body as Record<string, unknown> | undefined)?.confirm === 'yes';
const detailUrl = (id: string, ctx: Context) => `/myapps/admin/guests/${id}?done=${encodeURIComponent(String(ctx.state.requestId ?? ''))}`;

/**
 * The actions on one guest, from the table and the guest's page. Each checks the permission the
 * API would ask, then the guest, then (destructive ones) the confirmation, and only then calls the
 * same service as the API and the CLI. The redirect carries the correlation id, so the page after
 * says who did what to whom from the audit log (action-notice.ts).
 */
export function guestActionRoutes(router: Router, deps: GuestsConsoleDeps): void {
  async function guestOf(ctx: Context): Promise<User> {
    const id = ctx.params.userId ?? '';
    const guest = UUID.test(id) ? await deps.users.findById(id) : undefined;
    if (!guest || guest.userType !== 'Guest') throw new HttpError(404, 'guestNotFound', 'There is no such guest.');
    return guest;
  }

  /** The confirmation page: the same form again, with confirm=yes, and a way back. */
  async function askToConfirm(ctx: Context, guest: User, ask: Ask) {
    const tr = deps.renderer.translator(ctx);
    const body = (ctx.request.body ?? {}) as Record<string, unknown>;
    const fields = Object.entries(body).filter(([k, v]) => k !== '_csrf' && k !== 'confirm' && typeof v === 'string') as [string, string][];
    await deps.renderer.page(ctx, 'console-guest-confirm', {
      ...consolePageBase(ctx, 'guests'),
      title: tr.t(ask.title, { name: guest.displayName }),
      guest: { id: guest.id, displayName: guest.displayName, mail: guest.mail },
      subject: ask.subject,
      consequence: tr.t(ask.consequence),
      button: tr.t(ask.button),
      action: ctx.path,
      fields,
    });
  }

  router.post('/:userId/role', async (ctx) => {
    assertConsolePermission(portalUser(ctx), 'User.ReadWrite.All');
    const form = roleForm.safeParse(ctx.request.body ?? {});
    if (!form.success) throw new HttpError(400, 'invalidRequest', 'Choose an app role, then give it or take it away.');
    const guest = await guestOf(ctx);
    const [appId, roleId] = form.data.role.split(' ') as [string, string];
    const app = deps.appAssignments.requireApp(appId);
    const role = deps.appAssignments.requireRole(app, roleId);
    if (!role) throw new HttpError(400, 'invalidAppRoleId', `Choose one of ${app.displayName}'s roles.`);
    const existing = await deps.assignments.find(app.id, 'User', guest.id, undefined, role.id);
    if (form.data.op === 'take' && existing && !confirmed(ctx)) {
      return askToConfirm(ctx, guest, { title: 'console.guestConfirm.takeRoleTitle', subject: `${app.displayName}: ${role.displayName} (${role.value})`, consequence: 'console.guestConfirm.takeRoleConsequence', button: 'console.guest.takeRole' });
    }
    const actor = { type: 'user' as const, id: portalUser(ctx).id };
    if (form.data.op === 'give' && !existing) await deps.appAssignments.assign(app.id, { type: 'User', id: guest.id }, actor, ctx.state.requestId, undefined, { appRoleId: role.id });
    if (form.data.op === 'take' && existing) await deps.appAssignments.unassign(existing.id, { appId: app.id }, actor, ctx.state.requestId);
    ctx.status = 303;
    ctx.redirect(detailUrl(guest.id, ctx));
  });

  router.post('/:userId/assignments/:assignmentId/remove', async (ctx) => {
    assertConsolePermission(portalUser(ctx), 'User.ReadWrite.All');
    const guest = await guestOf(ctx);
    const assignmentId = ctx.params.assignmentId ?? '';
    const assignment = UUID.test(assignmentId) ? await deps.assignments.findById(assignmentId) : undefined;
    if (!assignment || assignment.principalType !== 'User' || assignment.principalId !== guest.id) throw new HttpError(404, 'assignmentNotFound', 'This guest has no such app assignment.');
    if (!confirmed(ctx)) {
      const app = deps.appAssignments.app(assignment.appId);
      return askToConfirm(ctx, guest, { title: 'console.guestConfirm.removeAssignmentTitle', subject: app?.displayName ?? assignment.appId, consequence: 'console.guestConfirm.removeAssignmentConsequence', button: 'console.app.removeAssignment' });
    }
    await deps.appAssignments.unassign(assignment.id, { principalId: guest.id }, { type: 'user', id: portalUser(ctx).id }, ctx.state.requestId);
    ctx.status = 303;
    ctx.redirect(detailUrl(guest.id, ctx));
  });

  // The page posts the session's handle (session-handles.ts), never its id.
  router.post('/:userId/sessions/:handle/revoke', async (ctx) => {
    assertConsolePermission(portalUser(ctx), 'User.ReadWrite.All');
    const guest = await guestOf(ctx);
    const sessionIds = (await deps.sessions.list(guest.id)).map((s) => s.id);
    const sessionId = deps.sessionHandles.resolve(guest.id, ctx.params.handle ?? '', sessionIds);
    if (!sessionId) throw new HttpError(404, 'sessionNotFound', 'This sign-in session has already ended.');
    if (!confirmed(ctx)) return askToConfirm(ctx, guest, { title: 'console.guestConfirm.endSessionTitle', consequence: 'console.guestConfirm.endSessionConsequence', button: 'console.guest.endSession' });
    await deps.lifecycle.revokeSession(guest.id, sessionId, { type: 'user', id: portalUser(ctx).id }, ctx.state.requestId);
    ctx.status = 303;
    ctx.redirect(detailUrl(guest.id, ctx));
  });

  router.post('/:userId/:action', async (ctx) => {
    const parsed = actionParam.safeParse(ctx.params.action);
    if (!parsed.success) throw new HttpError(404, 'notFound', 'There is no such action.');
    const action = parsed.data;
    const admin = portalUser(ctx);
    assertConsolePermission(admin, ACTION_PERMISSION[action]);
    const guest = await guestOf(ctx);
    const ask = CONFIRM[action];
    if (ask && !confirmed(ctx)) return askToConfirm(ctx, guest, ask);
    const [summary] = await summarizeGuests(deps.db, [guest], deps.users.clock.now());
    const actor = { type: 'user' as const, id: admin.id };
    switch (action) {
      case 'resend':
      case 'revoke': {
        if (!summary!.pendingInvitationId) throw new HttpError(409, 'invitationNotPending', 'This guest has no open invitation.');
        if (action === 'resend') await deps.invitations.resend(summary!.pendingInvitationId, adminInviter(admin), ctx.state.requestId);
        else await deps.invitations.revoke(summary!.pendingInvitationId, adminInviter(admin), ctx.state.requestId);
        break;
      }
      case 'reset':
        await deps.invitations.create(
          { invitedUserEmailAddress: guest.mail, inviteRedirectUrl: summary!.lastRedirectUrl ?? deps.myAppsUrl, sendInvitationMessage: true, invitedUserType: 'Guest', resetRedemption: true, invitedUser: { id: guest.id } },
          adminInviter(admin),
          ctx.state.requestId,
        );
        break;
      case 'disable':
      case 'enable':
        await deps.lifecycle.update(guest.id, { accountEnabled: action === 'enable' }, actor, ctx.state.requestId);
        break;
      case 'revoke-sessions':
        await deps.lifecycle.revokeSessions(guest.id, actor, ctx.state.requestId);
        break;
      case 'delete':
        await deps.lifecycle.delete(guest.id, actor, ctx.state.requestId);
        ctx.status = 303;
        ctx.redirect(`/myapps/admin/guests?done=${encodeURIComponent(String(ctx.state.requestId ?? ''))}`);
        return;
    }
    ctx.status = 303;
    ctx.redirect(detailUrl(guest.id, ctx));
  });
}
