import type { Router } from '@koa/router';
import type { Database } from '../../db/connect.js';
import type { Context } from 'koa';
import { z } from 'zod';
import type { Permission } from '../../api/api-resource.js';
import { DEFAULT_APP_ROLE_ID } from '../../config/app-claims-schema.js';
import type { AppConfig } from '../../config/apps-schema.js';
import type { ConditionalAccessPolicy } from '../../config/policies-schema.js';
import type { AppAssignmentService } from '../../directory/app-assignment-service.js';
import type { AssignmentsRepository, PrincipalType } from '../../directory/assignments-repository.js';
import type { GroupsRepository } from '../../directory/groups-repository.js';
import type { UsersRepository } from '../../directory/users-repository.js';
import { HttpError } from '../../http/http-error.js';
import type { Translator } from '../../i18n/translator.js';
import type { PageRenderer } from '../../http/render.js';
import { pageMessage } from '../../i18n/page-message.js';
import { portalUser } from '../../portal/portal-auth.js';
import { assertConsolePermission, consolePermissions, requireConsolePermission } from '../console-access.js';
import { CONSOLE_PAGE_SIZE, confirmedOrAsk, consoleActor, formFields, formProblems, pageLinks, pageNumber, parseConsoleQuery } from '../console-forms.js';
import { consolePageBase } from '../console-page.js';
import { appView, policiesTargeting } from './app-view.js';

const BASE = '/myapps/admin/apps';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** As the API: user assignments need User.ReadWrite.All, group assignments Group.ReadWrite.All. */
const PERMISSION_FOR: Record<PrincipalType, Permission> = { User: 'User.ReadWrite.All', Group: 'Group.ReadWrite.All' };

const detailQuery = z.strictObject({ page: pageNumber, done: z.string().max(64).optional() });
const NOTICE_ACTIVITIES = ['Add app role assignment to user', 'Add app role assignment to group', 'Remove app role assignment from user', 'Remove app role assignment from group'];
const assignForm = z.object({
  principalType: z.enum(['User', 'Group'], { error: 'console.app.choosePrincipalType' }),
  principal: z.string().trim().min(1, 'console.app.enterPrincipal').max(320, 'console.app.principalTooLong'),
  role: z.string().trim().max(64).optional(),
});

export interface AppsConsoleDeps {
  apps: AppConfig[];
  policies: ConditionalAccessPolicy[];
  appAssignments: AppAssignmentService;
  assignments: AssignmentsRepository;
  users: UsersRepository;
  groups: GroupsRepository;
  renderer: PageRenderer;
  db: Database;
}

/**
 * Apps in the console: each app's registration as loaded (read-only: apps live in config), who is
 * assigned in which role, and assigning or removing users and groups through the same service and
 * permissions as the API's appRoleAssignedTo.
 */
export function appsConsoleRoutes(router: Router, deps: AppsConsoleDeps): Router {
  const { renderer, appAssignments } = deps;
  const readers = requireConsolePermission('User.Read.All');
  const requireApp = (ctx: Context) => {
    const id = ctx.params.appId ?? '';
    const app = /^[A-Za-z0-9._-]{3,64}$/.test(id) ? appAssignments.app(id) : undefined;
    if (!app) throw new HttpError(404, 'Request_ResourceNotFound', 'There is no such app.');
    return app;
  };

  router.get('/', readers, async (ctx) => {
    parseConsoleQuery(z.strictObject({}), ctx);
    await renderer.page(ctx, 'console-apps', { ...consolePageBase(ctx, 'apps'), apps: deps.apps.map(appView) });
  });

  async function showApp(ctx: Context, extra: { error?: string; errorCode?: string; form?: Record<string, string>; status?: number } = {}) {
    const app = requireApp(ctx);
    const query = extra.status ? { page: 1, done: undefined } : parseConsoleQuery(detailQuery, ctx);
    const rows = await deps.assignments.listForApp(app.id, { top: CONSOLE_PAGE_SIZE + 1, skip: (query.page - 1) * CONSOLE_PAGE_SIZE });
    const described = await Promise.all(rows.slice(0, CONSOLE_PAGE_SIZE).map((a) => appAssignments.describe(a)));
    const held = consolePermissions(portalUser(ctx));
    const tr = renderer.translator(ctx);
    const notice = query.done ? await noticeOf(ctx, query.done, app, tr) : undefined;
    await renderer.page(
      ctx,
      'console-app',
      {
        ...consolePageBase(ctx, 'apps'),
        app: appView(app),
        policies: policiesTargeting(deps.policies, app.id),
        assignments: described.map((a) => ({ ...a, roleLabel: a.appRoleId === DEFAULT_APP_ROLE_ID ? tr.t('console.common.defaultAccess') : (a.appRoleValue ?? tr.t('console.app.unknownRole', { id: a.appRoleId })), mayRemove: held.has(PERMISSION_FOR[a.principalType]) })),
        may: { users: held.has('User.ReadWrite.All'), groups: held.has('Group.ReadWrite.All') },
        ...pageLinks(`${BASE}/${app.id}`, {}, query.page, rows.length > CONSOLE_PAGE_SIZE),
        notice,
        error: extra.error,
        errorCode: extra.errorCode,
        form: extra.form ?? {},
      },
      extra.status ?? 200,
    );
  }

  /**
   * Who and what changed, read back from the audit entry the change wrote (the redirect carries the
   * request's correlation id as `done`): only an entry the viewer made, for this app, counts, so a
   * crafted link shows nobody's address but the one the viewer just assigned or removed.
   */
  async function noticeOf(ctx: Context, done: string, app: AppConfig, tr: Translator): Promise<string | undefined> {
    if (!/^[A-Za-z0-9._-]{8,64}$/.test(done)) return undefined;
    const rows = (await deps
      .db('audit_log')
      .where({ correlation_id: done, actor_type: 'user', actor_id: portalUser(ctx).id, result: 'success' })
      .whereIn('activity', NOTICE_ACTIVITIES)
      .select('activity', 'target_type', 'target_id', 'details')) as { activity: string; target_type: string | null; target_id: string | null; details: string | null }[];
    const row = rows.find((r) => r.details && (JSON.parse(r.details) as { appId?: unknown }).appId === app.id);
    if (!row?.target_id) return undefined;
    const name = row.target_type === 'User' ? (await deps.users.findById(row.target_id))?.mail : (await deps.groups.findById(row.target_id))?.displayName;
    if (!name) return undefined;
    return tr.t(row.activity.startsWith('Add') ? 'console.app.noticeAssigned' : 'console.app.noticeRemoved', { name, app: app.displayName });
  }

  router.get('/:appId', readers, (ctx) => showApp(ctx));

  router.post('/:appId/assign', async (ctx) => {
    const form = formFields(ctx);
    const parsed = assignForm.safeParse({ principalType: form.principalType, principal: form.principal ?? '', role: form.role || undefined });
    if (!parsed.success) {
      // Nothing is revealed before the permission check: the weakest permission of the two is needed to see the form at all.
      assertConsolePermission(portalUser(ctx), 'User.Read.All');
      return showApp(ctx, { error: formProblems(renderer.translator(ctx), parsed.error), errorCode: 'invalidRequest', form, status: 400 });
    }
    // Authorise before telling the admin anything about the principal.
    assertConsolePermission(portalUser(ctx), PERMISSION_FOR[parsed.data.principalType]);
    const app = requireApp(ctx);
    try {
      const principalId = parsed.data.principalType === 'User' ? await userIdOf(parsed.data.principal) : await groupIdOf(parsed.data.principal);
      await appAssignments.assign(app.id, { type: parsed.data.principalType, id: principalId }, consoleActor(ctx), ctx.state.requestId, undefined, { appRoleId: parsed.data.role });
      ctx.status = 303;
      ctx.redirect(`${BASE}/${app.id}?done=${encodeURIComponent(String(ctx.state.requestId ?? ''))}`);
    } catch (err) {
      if (err instanceof HttpError && err.status < 500) return showApp(ctx, { error: pageMessage(renderer.translator(ctx), err), errorCode: err.code, form, status: err.status });
      throw err;
    }
  });

  async function userIdOf(email: string): Promise<string> {
    const user = await deps.users.findByEmail(email);
    if (!user) throw new HttpError(404, 'userNotFound', `No user has the email address ${email}. Invite them first.`);
    return user.id;
  }

  async function groupIdOf(ref: string): Promise<string> {
    const byId = UUID.test(ref) ? await deps.groups.findById(ref.toLowerCase()) : undefined;
    if (byId) return byId.id;
    const named = await deps.groups.findByDisplayName(ref);
    if (named.length > 1) throw new HttpError(400, 'ambiguousGroup', `${named.length} groups are called ${ref}: give the group’s id instead.`);
    if (!named[0]) throw new HttpError(404, 'groupNotFound', `No group is called ${ref}.`);
    return named[0].id;
  }

  router.post('/:appId/assignments/:assignmentId/remove', async (ctx) => {
    const raw = ctx.params.assignmentId ?? '';
    const existing = UUID.test(raw) ? await deps.assignments.findById(raw.toLowerCase()) : undefined;
    // As the API: the principal's kind decides the permission, and it is checked before a 404 says anything.
    assertConsolePermission(portalUser(ctx), PERMISSION_FOR[existing?.principalType ?? 'User']);
    const app = requireApp(ctx);
    if (!existing || existing.appId !== app.id) throw new HttpError(404, 'Request_ResourceNotFound', `No such assignment to ${app.displayName}.`);
    const described = await appAssignments.describe(existing);
    const tr = renderer.translator(ctx);
    const role = described.appRoleId === DEFAULT_APP_ROLE_ID ? tr.t('console.app.confirmDefaultAccess') : tr.t('console.app.confirmRole', { role: described.appRoleValue ?? described.appRoleId });
    const who = { name: described.principalDisplayName, role, app: app.displayName };
    const ask = {
      title: tr.t('console.app.confirmTitle', { name: described.principalDisplayName, app: app.displayName }),
      message: tr.t(described.principalType === 'User' ? 'console.app.confirmUser' : 'console.app.confirmGroup', who) + (app.assignmentRequired && described.principalType === 'User' ? tr.t('console.app.confirmSessionsEnd') : ''),
      confirmLabel: tr.t('console.app.removeAssignment'),
      cancelUrl: `${BASE}/${app.id}`,
    };
    if (!(await confirmedOrAsk(ctx, renderer, 'apps', ask))) return;
    await appAssignments.unassign(existing.id, { appId: app.id }, consoleActor(ctx), ctx.state.requestId);
    ctx.status = 303;
    ctx.redirect(`${BASE}/${app.id}?done=${encodeURIComponent(String(ctx.state.requestId ?? ''))}`);
  });

  return router;
}
