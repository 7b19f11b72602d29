import type { Router } from '@koa/router';
import type { Context, Middleware } from 'koa';
import { z } from 'zod';
import type { Database } from '../../db/connect.js';
import type { GroupService } from '../../directory/group-service.js';
import type { GroupLink, GroupsRepository } from '../../directory/groups-repository.js';
import type { Ownership } from '../../directory/ownership.js';
import type { UsersRepository } from '../../directory/users-repository.js';
import { HttpError } from '../../http/http-error.js';
import type { PageRenderer } from '../../http/render.js';
import { pageMessage } from '../../i18n/page-message.js';
import { portalUser } from '../../portal/portal-auth.js';
import { assertConsolePermission, mayUseConsole, requireConsolePermission } from '../console-access.js';
import { CONSOLE_PAGE_SIZE, confirmedOrAsk, consoleActor, formFields, formProblems, optionalText, pageLinks, pageNumber, parseConsoleQuery } from '../console-forms.js';
import { consolePageBase } from '../console-page.js';
import { groupChangeNotice } from './group-change-notice.js';
import { ownerMayFind } from './owner-visible-users.js';

const BASE = '/myapps/admin/groups';
/** Members and owners shown on a group's page (the API pages through more). */
const LINKED_SHOWN = 500;

const listQuery = z.strictObject({ q: optionalText(200), page: pageNumber, notice: z.string().optional() });
const groupForm = z.object({
  displayName: z.string().trim().min(1, 'console.groups.nameRequired').max(256, 'console.groups.nameTooLong'),
  description: z.string().trim().max(1024, 'console.groups.descriptionTooLong').optional(),
});
const emailForm = z.object({ email: z.string().trim().pipe(z.email('console.group.enterEmail').max(320)) });
const linkParam = z.enum(['members', 'owners']);

const ONE: Record<GroupLink, 'member' | 'owner'> = { members: 'member', owners: 'owner' };

export interface GroupsConsoleDeps {
  groups: GroupsRepository;
  groupService: GroupService;
  users: UsersRepository;
  ownership: Ownership;
  renderer: PageRenderer;
  db: Database;
}

/**
 * Groups in the console: Group.ReadWrite.All (as the API's /groups) lists, creates, renames and
 * deletes groups and changes members and owners. A group's owner (delegation on) may open their
 * group and change its members, not its owners, as the API's owner rules allow.
 */
export function groupsConsoleRoutes(router: Router, deps: GroupsConsoleDeps): Router {
  const { renderer, groupService } = deps;

  /** Admins pass; an owner of this group passes marked as owner; anyone else gets the console's 403. */
  const adminOrOwner: Middleware = async (ctx, next) => {
    const user = portalUser(ctx);
    if (!mayUseConsole(user, 'Group.ReadWrite.All')) {
      const id = ctx.params.id ?? '';
      if (!/^[0-9a-f-]{36}$/i.test(id) || !(await deps.ownership.ownsGroup(user, id.toLowerCase()))) assertConsolePermission(user, 'Group.ReadWrite.All');
      ctx.state.asOwner = true;
    }
    await next();
  };
  const admins = requireConsolePermission('Group.ReadWrite.All');

  async function showList(ctx: Context, extra: { error?: string; form?: Record<string, string>; status?: number } = {}) {
    const query = parseConsoleQuery(listQuery, ctx);
    const rows = await deps.groups.list({ top: CONSOLE_PAGE_SIZE + 1, skip: (query.page - 1) * CONSOLE_PAGE_SIZE, search: query.q });
    await renderer.page(
      ctx,
      'console-groups',
      {
        ...consolePageBase(ctx, 'groups'),
        query: { q: query.q ?? '' },
        groups: rows.slice(0, CONSOLE_PAGE_SIZE),
        ...pageLinks(BASE, { q: query.q }, query.page, rows.length > CONSOLE_PAGE_SIZE),
        notice: query.notice === 'deleted' ? renderer.translator(ctx).t('console.groups.deleted') : undefined,
        error: extra.error,
        form: extra.form ?? {},
      },
      extra.status ?? 200,
    );
  }

  async function showGroup(ctx: Context, extra: { error?: string; errorCode?: string; form?: Record<string, string>; status?: number } = {}) {
    const group = await groupService.require(ctx.params.id ?? '');
    const [members, owners] = await Promise.all([deps.groups.listLinked('members', group.id, { top: LINKED_SHOWN + 1, skip: 0 }), deps.groups.listLinked('owners', group.id, { top: LINKED_SHOWN + 1, skip: 0 })]);
    const asOwner = Boolean(ctx.state.asOwner);
    await renderer.page(
      ctx,
      'console-group',
      {
        ...consolePageBase(ctx, 'groups'),
        group,
        members: members.slice(0, LINKED_SHOWN),
        owners: owners.slice(0, LINKED_SHOWN),
        more: members.length > LINKED_SHOWN || owners.length > LINKED_SHOWN,
        may: { admin: !asOwner },
        notice: await noticeOf(ctx, group),
        error: extra.error,
        errorCode: extra.errorCode,
        form: extra.form ?? {},
      },
      extra.status ?? 200,
    );
  }

  /** "Who and what changed": a created or renamed group, or the membership change the viewer's audit entry records. */
  async function noticeOf(ctx: Context, group: { id: string; displayName: string }): Promise<string | undefined> {
    const tr = renderer.translator(ctx);
    if (ctx.query.notice === 'created') return tr.t('console.group.created', { group: group.displayName });
    if (ctx.query.notice === 'renamed') return tr.t('console.group.renamed', { group: group.displayName });
    return groupChangeNotice(deps, ctx, group);
  }

  router.get('/', admins, (ctx) => showList(ctx));

  router.post('/', admins, async (ctx) => {
    const form = formFields(ctx);
    const parsed = groupForm.safeParse({ displayName: form.displayName ?? '', description: form.description || undefined });
    if (!parsed.success) {
      ctx.query = {};
      return showList(ctx, { error: formProblems(renderer.translator(ctx), parsed.error), form, status: 400 });
    }
    const group = await groupService.create(parsed.data, consoleActor(ctx), ctx.state.requestId);
    ctx.status = 303;
    ctx.redirect(`${BASE}/${group.id}?notice=created`);
  });

  router.get('/:id', adminOrOwner, (ctx) => showGroup(ctx));

  router.post('/:id/rename', admins, async (ctx) => {
    const form = formFields(ctx);
    const parsed = groupForm.safeParse({ displayName: form.displayName ?? '', description: form.description ?? '' });
    if (!parsed.success) return showGroup(ctx, { error: formProblems(renderer.translator(ctx), parsed.error), errorCode: 'invalidRequest', form, status: 400 });
    const group = await groupService.require(ctx.params.id ?? '');
    await groupService.update(group.id, { displayName: parsed.data.displayName, description: parsed.data.description || null }, consoleActor(ctx), ctx.state.requestId);
    ctx.status = 303;
    ctx.redirect(`${BASE}/${group.id}?notice=renamed`);
  });

  router.post('/:id/delete', admins, async (ctx) => {
    const group = await groupService.require(ctx.params.id ?? '');
    const tr = renderer.translator(ctx);
    const ask = { title: tr.t('console.group.deleteTitle', { group: group.displayName }), message: tr.t('console.group.deleteMessage', { group: group.displayName }), confirmLabel: tr.t('console.group.deleteConfirm'), cancelUrl: `${BASE}/${group.id}` };
    if (!(await confirmedOrAsk(ctx, renderer, 'groups', ask))) return;
    await groupService.delete(group.id, consoleActor(ctx), ctx.state.requestId);
    ctx.status = 303;
    ctx.redirect(`${BASE}?notice=deleted`);
  });

  router.post('/:id/:link', adminOrOwner, async (ctx) => {
    const link = linkParam.safeParse(ctx.params.link);
    if (!link.success) throw new HttpError(404, 'notFound', 'There is no such page.');
    // Owners change members only; who owns the group is the admins' to decide.
    if (link.data === 'owners' && ctx.state.asOwner) assertConsolePermission(portalUser(ctx), 'Group.ReadWrite.All');
    const form = formFields(ctx);
    const parsed = emailForm.safeParse({ email: form.email ?? '' });
    if (!parsed.success) return showGroup(ctx, { error: formProblems(renderer.translator(ctx), parsed.error), errorCode: 'invalidRequest', form, status: 400 });
    try {
      const asOwner = Boolean(ctx.state.asOwner);
      const mayFind = asOwner ? ownerMayFind(deps, portalUser(ctx)) : undefined;
      const { group } = await groupService.addByEmail(link.data, ctx.params.id ?? '', parsed.data.email, consoleActor(ctx), ctx.state.requestId, asOwner, mayFind);
      ctx.status = 303;
      ctx.redirect(`${BASE}/${group.id}?done=${encodeURIComponent(ctx.state.requestId)}`);
    } catch (err) {
      if (err instanceof HttpError && err.status < 500 && err.code !== 'Request_ResourceNotFound') return showGroup(ctx, { error: pageMessage(renderer.translator(ctx), err), errorCode: err.code, form, status: err.status });
      throw err;
    }
  });

  router.post('/:id/:link/:userId/remove', adminOrOwner, async (ctx) => {
    const link = linkParam.safeParse(ctx.params.link);
    if (!link.success) throw new HttpError(404, 'notFound', 'There is no such page.');
    if (link.data === 'owners' && ctx.state.asOwner) assertConsolePermission(portalUser(ctx), 'Group.ReadWrite.All');
    const group = await groupService.require(ctx.params.id ?? '');
    const userId = ctx.params.userId ?? '';
    const user = /^[0-9a-f-]{36}$/i.test(userId) ? await deps.users.findById(userId.toLowerCase()) : undefined;
    if (!user || !(await deps.groups.hasLink(link.data, group.id, user.id))) throw new HttpError(404, 'Request_ResourceNotFound', `That user is not ${link.data === 'owners' ? 'an owner' : 'a member'} of ${group.displayName}.`);
    const tr = renderer.translator(ctx);
    const ask = {
      title: tr.t('console.group.removeTitle', { mail: user.mail }),
      message: link.data === 'members' ? tr.t('console.group.removeMemberMessage', { mail: user.mail, group: group.displayName }) : tr.t('console.group.removeOwnerMessage', { mail: user.mail, group: group.displayName }),
      confirmLabel: tr.t('console.group.removeLink', { link: ONE[link.data] }),
      cancelUrl: `${BASE}/${group.id}`,
    };
    if (!(await confirmedOrAsk(ctx, renderer, 'groups', ask))) return;
    await groupService.remove(link.data, group.id, user.id, consoleActor(ctx), ctx.state.requestId, Boolean(ctx.state.asOwner));
    ctx.status = 303;
    ctx.redirect(`${BASE}/${group.id}?done=${encodeURIComponent(ctx.state.requestId)}`);
  });

  return router;
}
