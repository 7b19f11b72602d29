import type { Router } from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { listDirectoryAudits, type DirectoryAudit, type DirectoryAuditFilter } from '../../audit/directory-audits.js';
import type { Database } from '../../db/connect.js';
import type { GroupsRepository } from '../../directory/groups-repository.js';
import type { UsersRepository } from '../../directory/users-repository.js';
import type { Translator } from '../../i18n/translator.js';
import { HttpError } from '../../http/http-error.js';
import type { PageRenderer } from '../../http/render.js';
import { requireConsolePermission } from '../console-access.js';
import { CONSOLE_PAGE_SIZE, optionalDate, optionalText, pageLinks, pageNumber, parseConsoleQuery } from '../console-forms.js';
import { consolePageBase } from '../console-page.js';

const BASE = '/myapps/admin/audit';
const DAY_MS = 86_400_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const AUDIT_CATEGORIES = ['UserManagement', 'GroupManagement', 'ApplicationManagement', 'Invitation', 'KeyManagement', 'Authentication', 'RoleManagement'] as const;

const listQuery = z
  .strictObject({
    activity: optionalText(200),
    category: z
      .union([z.literal(''), z.enum(AUDIT_CATEGORIES)], { error: `must be one of ${AUDIT_CATEGORIES.join(', ')}` })
      .optional()
      .transform((v) => (v ? v : undefined)),
    target: optionalText(320),
    initiator: optionalText(320),
    from: optionalDate,
    to: optionalDate,
    page: pageNumber,
  })
  .refine((q) => !q.from || !q.to || q.from <= q.to, { message: 'the start date must not be after the end date', path: ['from'] });

export interface AuditConsoleDeps {
  db: Database;
  users: UsersRepository;
  groups: GroupsRepository;
  renderer: PageRenderer;
}

/**
 * The directory audit log in the console (AuditLog.Read.All, as GET /v1.0/auditLogs/directoryAudits):
 * the same filters (activity, category, target, initiator, dates), with people named by email.
 */
export function auditConsoleRoutes(router: Router, deps: AuditConsoleDeps): Router {
  router.use(requireConsolePermission('AuditLog.Read.All'));

  /** A user by email or id (what a person types), as the id the log keeps; ids of anything else pass as they are. */
  async function idOf(ref: string, what: string): Promise<string> {
    if (UUID.test(ref)) return ref.toLowerCase();
    if (!ref.includes('@')) throw new HttpError(400, 'invalidFilter', `The ${what} must be a user's email address or an id.`);
    const user = await deps.users.findByEmail(ref);
    if (!user) throw new HttpError(400, 'invalidFilter', `No user has the email address ${ref}; the ${what} filter needs a known user or an id.`);
    return user.id;
  }

  router.get('/', async (ctx: Context) => {
    const q = parseConsoleQuery(listQuery, ctx);
    const filter: DirectoryAuditFilter = {
      ...(q.activity ? { activityDisplayName: q.activity } : {}),
      ...(q.category ? { category: q.category } : {}),
      ...(q.target ? { targetId: await idOf(q.target, 'target') } : {}),
      ...(q.initiator ? { initiatedByUserId: await idOf(q.initiator, 'initiator') } : {}),
      ...(q.from ? { after: q.from.toISOString() } : {}),
      ...(q.to ? { before: new Date(q.to.getTime() + (/^\d{4}-\d\d-\d\d$/.test(String(ctx.query.to).trim()) ? DAY_MS - 1 : 0)).toISOString() } : {}),
    };
    const rows = await listDirectoryAudits(deps.db, { top: CONSOLE_PAGE_SIZE + 1, skip: (q.page - 1) * CONSOLE_PAGE_SIZE, filter });
    const entries = await named(rows.slice(0, CONSOLE_PAGE_SIZE), deps.renderer.translator(ctx));
    const shown = { activity: q.activity, category: q.category, target: q.target, initiator: q.initiator, from: text(ctx.query.from), to: text(ctx.query.to) };
    await deps.renderer.page(ctx, 'console-audit', { ...consolePageBase(ctx, 'audit'), query: shown, categories: AUDIT_CATEGORIES, entries, ...pageLinks(BASE, shown, q.page, rows.length > CONSOLE_PAGE_SIZE) });
  });

  /** The page's entries with initiators and targets named (users by email, groups by name) where they still exist. */
  async function named(rows: DirectoryAudit[], tr: Translator) {
    const names = new Map<string, string>();
    const ids = new Set(rows.flatMap((r) => [r.initiatedBy.user?.id, ...r.targetResources.map((t) => t.id)]).filter((id): id is string => Boolean(id && UUID.test(id))));
    for (const id of ids) {
      const user = await deps.users.findById(id);
      const name = user?.mail ?? (await deps.groups.findById(id))?.displayName;
      if (name) names.set(id, name);
    }
    return rows.map((r) => ({
      id: r.id,
      at: `${r.activityDateTime.slice(0, 19).replace('T', ' ')} UTC`,
      activity: r.activityDisplayName,
      category: r.category,
      result: r.result,
      resultReason: r.resultReason,
      initiator: r.initiatedBy.user ? (names.get(r.initiatedBy.user.id ?? '') ?? r.initiatedBy.user.id ?? tr.t('console.audit.aUser')) : r.initiatedBy.app ? (r.initiatedBy.app.displayName ?? tr.t('console.audit.appNamed', { id: r.initiatedBy.app.appId ?? '' })) : tr.t('console.common.unknown'),
      targets: r.targetResources.map((t) => `${t.type ?? tr.t('console.audit.resource')} ${names.get(t.id) ?? t.id}`),
      details: r.additionalDetails,
    }));
  }

  return router;
}

const text = (raw: unknown) => (typeof raw === 'string' ? raw.trim().slice(0, 32) : '');
