import { Router } from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import type { AppConfig } from '../config/apps-schema.js';
import type { Database } from '../db/connect.js';
import type { AppAssignmentService } from '../directory/app-assignment-service.js';
import type { AssignmentsRepository } from '../directory/assignments-repository.js';
import type { DirectoryUsers, UserFilter } from '../directory/directory-users.js';
import type { UserLifecycle } from '../directory/user-lifecycle.js';
import type { User } from '../directory/user-model.js';
import type { UsersRepository } from '../directory/users-repository.js';
import { HttpError } from '../http/http-error.js';
import type { PageRenderer } from '../http/render.js';
import type { InvitationService } from '../invitations/invitation-service.js';
import type { Inviter } from '../invitations/inviter.js';
import { summarizeGuests } from './guest-summary.js';
import { assertConsolePermission, consolePermissions, requireConsolePermission } from '../console/console-access.js';
import { consolePageBase } from '../console/console-page.js';
import { portalUser } from './portal-auth.js';

const PAGE_SIZE = 50;
const ADMIN_PAGE_SCOPES: ReadonlySet<string> = new Set(['User.Invite.All', 'User.Read.All', 'User.ReadWrite.All']);

const listQuery = z.object({
  state: z.enum(['all', 'pending', 'accepted', 'disabled']).catch('all'),
  q: z.string().trim().max(200).catch(''),
  page: z.coerce.number().int().min(1).max(10_000).catch(1),
});

const STATE_FILTERS: Record<'all' | 'pending' | 'accepted' | 'disabled', UserFilter> = {
  all: {},
  pending: { externalUserState: 'PendingAcceptance', accountEnabled: true },
  accepted: { externalUserState: 'Accepted', accountEnabled: true },
  disabled: { accountEnabled: false },
};

const inviteForm = z.object({
  email: z.string().trim().pipe(z.email('Enter the guest’s email address, like name@partner.example.').max(320)),
  displayName: z.string().trim().max(256, 'The name is too long (256 characters at most).').optional(),
  redirect: z.string().min(1, 'Choose where the guest lands after accepting.').max(2048),
  message: z.string().trim().max(4000, 'The message is too long (4000 characters at most).').optional(),
});

const actionParam = z.enum(['resend', 'revoke', 'reset', 'disable', 'enable']);
/** What each action asks of the admin's directory role: the permission the API asks of a token. */
const ACTION_PERMISSION = { resend: 'User.Invite.All', revoke: 'User.Invite.All', reset: 'User.ReadWrite.All', disable: 'User.ReadWrite.All', enable: 'User.ReadWrite.All' } as const;
/** `<app id> <role id>`: one select names both. */
const roleForm = z.object({ role: z.string().trim().regex(/^[A-Za-z0-9._-]{3,64} [0-9A-Fa-f-]{36}$/), op: z.enum(['give', 'take']) });

const NOTICES: Record<string, string> = {
  invited: 'Invitation sent.',
  resend: 'A new invitation was sent. The link in the earlier one no longer works.',
  revoke: 'The invitation was withdrawn.',
  reset: 'Redemption was reset: the guest is signed out everywhere, their authenticator app is removed, and they must accept the new invitation (they may sign in with a different account).',
  disable: 'The guest is disabled and signed out everywhere.',
  enable: 'The guest is enabled again.',
  give: 'Role given. It reaches the app at the guest’s next sign-in or token refresh.',
  take: 'Role taken away. It leaves the app at the guest’s next sign-in or token refresh.',
};

export interface AdminDeps {
  db: Database;
  apps: AppConfig[];
  myAppsUrl: string;
  users: UsersRepository;
  directory: DirectoryUsers;
  invitations: InvitationService;
  lifecycle: UserLifecycle;
  renderer: PageRenderer;
  idpNames: Map<string, string>;
  /** App roles given to guests directly (the same service as the API and the CLI). */
  appAssignments: AppAssignmentService;
  assignments: AssignmentsRepository;
}

/**
 * The admin's guest list (Entra's "All users" filtered to guests): state, inviter, identity
 * provider and last sign-in, with filter and search; invite, resend, revoke, reset redemption,
 * disable and enable. Every change goes through the same services as the API.
 */
export function adminRoutes(deps: AdminDeps): Router {
  const router = new Router({ prefix: '/myapps/admin' });
  router.use(requireConsolePermission('User.Read.All'));
  const landings = [
    { url: deps.myAppsUrl, name: 'My Apps' },
    ...deps.apps.filter((a) => a.launchUrl).map((a) => ({ url: a.launchUrl!, name: a.displayName })),
  ];
  // The console acts with what the admin's directory roles give (the invitation service checks
  // them again: account recovery, reset redemption, needs more than inviting).
  const adminInviter = (admin: User): Inviter => ({ type: 'user', id: admin.id, displayName: admin.displayName, userType: admin.userType, roles: admin.roles, scopes: ADMIN_PAGE_SCOPES });

  async function show(ctx: Context, extra: { error?: string; errorCode?: string; form?: Record<string, string>; status?: number } = {}) {
    const query = listQuery.parse(ctx.query);
    const held = consolePermissions(portalUser(ctx));
    const rows = await deps.directory.list({ ...STATE_FILTERS[query.state], userType: 'Guest', ...(query.q ? { search: query.q } : {}) }, { top: PAGE_SIZE + 1, skip: (query.page - 1) * PAGE_SIZE });
    const guests = await summarizeGuests(deps.db, rows.slice(0, PAGE_SIZE));
    const roles = await rolesOf(guests.map((g) => g.user.id));
    const link = (page: number) => `/myapps/admin/guests?${new URLSearchParams({ state: query.state, q: query.q, page: String(page) })}`;
    await deps.renderer.page(
      ctx,
      'admin-guests',
      {
        ...consolePageBase(ctx, 'guests'),
        may: { invite: held.has('User.Invite.All'), write: held.has('User.ReadWrite.All') },
        query,
        guests: guests.map((g) => ({
          id: g.user.id,
          mail: g.user.mail,
          displayName: g.user.displayName,
          state: g.state,
          stateLabel: g.stateLabel,
          invitedBy: g.invitedBy,
          idps: g.idps.map((id) => deps.idpNames.get(id) ?? id),
          lastSignIn: g.user.lastSignInDateTime,
          canResend: Boolean(g.pendingInvitationId),
          canReset: g.user.externalUserState === 'Accepted',
          enabled: g.user.accountEnabled,
          roles: roles.get(g.user.id) ?? [],
        })),
        appRoles,
        previous: query.page > 1 ? link(query.page - 1) : '',
        next: rows.length > PAGE_SIZE ? link(query.page + 1) : '',
        landings,
        notice: typeof ctx.query.notice === 'string' ? NOTICES[ctx.query.notice] : undefined,
        error: extra.error,
        errorCode: extra.errorCode,
        form: extra.form ?? {},
      },
      extra.status ?? 200,
    );
  }

  const appRoles = deps.apps.flatMap((a) => a.appRoles.map((r) => ({ key: `${a.id} ${r.id}`, label: `${a.displayName}: ${r.displayName} (${r.value})` })));
  const roleLabels = new Map(deps.apps.flatMap((a) => a.appRoles.map((r) => [`${a.id} ${r.id.toLowerCase()}`, `${a.displayName}: ${r.value}`] as const)));

  /** The app roles each guest holds directly, as "App: value" (one query for the page). */
  async function rolesOf(userIds: string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    if (appRoles.length === 0 || userIds.length === 0) return out;
    for (const a of await deps.assignments.listForPrincipals('User', userIds)) {
      const label = roleLabels.get(`${a.appId} ${a.appRoleId.toLowerCase()}`);
      if (label) out.set(a.principalId, [...(out.get(a.principalId) ?? []), label].sort());
    }
    return out;
  }

  router.get('/guests', (ctx) => show(ctx));

  router.post('/guests/:userId/role', requireConsolePermission('User.ReadWrite.All'), async (ctx) => {
    const form = roleForm.safeParse(ctx.request.body ?? {});
    if (!form.success) throw new HttpError(400, 'invalidRequest', 'Choose an app role, then give it or take it away.');
    const guest = /^[0-9a-f-]{36}$/i.test(ctx.params.userId ?? '') ? await deps.users.findById(ctx.params.userId!) : undefined;
    if (!guest || guest.userType !== 'Guest') throw new HttpError(404, 'guestNotFound', 'There is no such guest.');
    const [appId, roleId] = form.data.role.split(' ') as [string, string];
    const app = deps.appAssignments.requireApp(appId);
    const role = deps.appAssignments.requireRole(app, roleId);
    if (!role) throw new HttpError(400, 'invalidAppRoleId', `Choose one of ${app.displayName}'s roles.`);
    const actor = { type: 'user' as const, id: portalUser(ctx).id };
    const existing = await deps.assignments.find(app.id, 'User', guest.id, undefined, role.id);
    if (form.data.op === 'give' && !existing) await deps.appAssignments.assign(app.id, { type: 'User', id: guest.id }, actor, ctx.state.requestId, undefined, { appRoleId: role.id });
    if (form.data.op === 'take' && existing) await deps.appAssignments.unassign(existing.id, { appId: app.id }, actor, ctx.state.requestId);
    ctx.status = 303;
    ctx.redirect(`/myapps/admin/guests?notice=${form.data.op}`);
  });

  router.post('/guests/invite', requireConsolePermission('User.Invite.All'), async (ctx) => {
    const body = (ctx.request.body ?? {}) as Record<string, unknown>;
    const form = { email: String(body.email ?? ''), displayName: String(body.displayName ?? ''), redirect: String(body.redirect ?? ''), message: String(body.message ?? '') };
    const parsed = inviteForm.safeParse({ ...form, displayName: form.displayName || undefined, message: form.message || undefined });
    if (!parsed.success) return show(ctx, { error: parsed.error.issues.map((i) => i.message).join(' '), form, status: 400 });
    try {
      await deps.invitations.create(
        {
          invitedUserEmailAddress: parsed.data.email,
          inviteRedirectUrl: parsed.data.redirect,
          invitedUserDisplayName: parsed.data.displayName,
          sendInvitationMessage: true,
          invitedUserMessageInfo: parsed.data.message ? { customizedMessageBody: parsed.data.message } : undefined,
          invitedUserType: 'Guest',
          resetRedemption: false,
          sendAgain: false,
        },
        adminInviter(portalUser(ctx)),
        ctx.state.requestId,
      );
    } catch (err) {
      if (err instanceof HttpError && err.status < 500) return show(ctx, { error: err.message, errorCode: err.code, form, status: err.status });
      throw err;
    }
    ctx.status = 303;
    ctx.redirect('/myapps/admin/guests?notice=invited');
  });

  router.post('/guests/:userId/:action', async (ctx) => {
    const action = actionParam.safeParse(ctx.params.action);
    if (!action.success) throw new HttpError(404, 'notFound', 'There is no such action.');
    assertConsolePermission(portalUser(ctx), ACTION_PERMISSION[action.data]);
    const guest = /^[0-9a-f-]{36}$/i.test(ctx.params.userId ?? '') ? await deps.users.findById(ctx.params.userId!) : undefined;
    if (!guest || guest.userType !== 'Guest') throw new HttpError(404, 'guestNotFound', 'There is no such guest.');
    const admin = portalUser(ctx);
    const [summary] = await summarizeGuests(deps.db, [guest]);
    const actor = { type: 'user' as const, id: admin.id };
    switch (action.data) {
      case 'resend':
      case 'revoke': {
        if (!summary!.pendingInvitationId) throw new HttpError(409, 'invitationNotPending', 'This guest has no open invitation.');
        if (action.data === 'resend') await deps.invitations.resend(summary!.pendingInvitationId, adminInviter(admin), ctx.state.requestId);
        else await deps.invitations.revoke(summary!.pendingInvitationId, adminInviter(admin), ctx.state.requestId);
        break;
      }
      case 'reset':
        await deps.invitations.create(
          {
            invitedUserEmailAddress: guest.mail,
            inviteRedirectUrl: summary!.lastRedirectUrl ?? deps.myAppsUrl,
            sendInvitationMessage: true,
            invitedUserType: 'Guest',
            resetRedemption: true,
            sendAgain: false,
            invitedUser: { id: guest.id },
          },
          adminInviter(admin),
          ctx.state.requestId,
        );
        break;
      case 'disable':
      case 'enable':
        await deps.lifecycle.update(guest.id, { accountEnabled: action.data === 'enable' }, actor, ctx.state.requestId);
        break;
    }
    ctx.status = 303;
    ctx.redirect(`/myapps/admin/guests?notice=${action.data}`);
  });

  return router;
}
