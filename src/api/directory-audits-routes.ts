import { Router } from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { getDirectoryAudit, listDirectoryAudits, type DirectoryAuditFilter } from '../audit/directory-audits.js';
import type { Database } from '../db/connect.js';
import { HttpError } from '../http/http-error.js';
import { parseInput } from '../http/validate.js';
import { idParam, paging, permit } from './api-guards.js';

const EQUALS: Record<string, keyof DirectoryAuditFilter> = {
  activityDisplayName: 'activityDisplayName',
  category: 'category',
  'initiatedBy/user/id': 'initiatedByUserId',
  'initiatedBy/app/appId': 'initiatedByAppId',
};
const SUPPORTED = `${Object.keys(EQUALS).map((k) => `${k} eq '…'`).join(', ')}, targetResources/any(t: t/id eq '…'), activityDateTime ge/le <ISO date-time>`;
const isoDateTime = z.iso.datetime({ offset: true });

/** `$filter` clauses joined with `and`: Graph's common directoryAudit filters. */
export function parseDirectoryAuditFilter(raw: unknown): DirectoryAuditFilter {
  if (raw === undefined) return {};
  if (typeof raw !== 'string' || raw.length > 1000) throw new HttpError(400, 'invalidQuery', 'Give $filter once, as text.');
  const filter: DirectoryAuditFilter = {};
  for (const clause of raw.trim().split(/\s+and\s+/i)) {
    const c = clause.trim();
    const eq = /^([A-Za-z/]+)\s+eq\s+'((?:[^']|'')*)'$/.exec(c);
    const target = /^targetResources\/any\((\w+):\s*\1\/id\s+eq\s+'((?:[^']|'')*)'\)$/.exec(c);
    const range = /^activityDateTime\s+(ge|le)\s+(\S+)$/.exec(c);
    if (eq && EQUALS[eq[1]!]) (filter as Record<string, string>)[EQUALS[eq[1]!]!] = eq[2]!.replace(/''/g, "'");
    else if (target) filter.targetId = target[2]!.replace(/''/g, "'");
    else if (range && isoDateTime.safeParse(range[2]).success) {
      const at = new Date(range[2]!).toISOString();
      if (range[1] === 'ge') filter.after = at;
      else filter.before = at;
    } else throw new HttpError(400, 'invalidQuery', `$filter cannot use "${c.slice(0, 80)}". Supported: ${SUPPORTED}.`);
  }
  return filter;
}

/** Graph's directory audit log: GET /auditLogs/directoryAudits (newest first, paged, a $filter subset) and one by id. Read-only. */
export function directoryAuditsRoutes(deps: { db: Database; issuer: string }): Router {
  const router = new Router();

  router.get('/auditLogs/directoryAudits', permit('AuditLog.Read.All'), async (ctx: Context) => {
    const page = paging(ctx);
    const filter = parseDirectoryAuditFilter(ctx.query.$filter);
    const items = await listDirectoryAudits(deps.db, { ...page, filter });
    const next = new URLSearchParams({ $top: String(page.top), $skiptoken: String(page.skip + page.top) });
    if (typeof ctx.query.$filter === 'string') next.set('$filter', ctx.query.$filter);
    ctx.body = {
      '@odata.context': `${deps.issuer}/v1.0/$metadata#auditLogs/directoryAudits`,
      value: items,
      ...(items.length === page.top ? { '@odata.nextLink': `${deps.issuer}/v1.0/auditLogs/directoryAudits?${next}` } : {}),
    };
  });

  router.get('/auditLogs/directoryAudits/:id', permit('AuditLog.Read.All'), async (ctx) => {
    const id = parseInput(idParam, ctx.params.id, 'invalidId');
    const item = await getDirectoryAudit(deps.db, id);
    if (!item) throw new HttpError(404, 'Request_ResourceNotFound', `No audit entry has the id ${id}.`);
    ctx.body = item;
  });

  router.all(['/auditLogs/directoryAudits', '/auditLogs/directoryAudits/:id'], () => {
    throw new HttpError(405, 'methodNotAllowed', 'The audit log is read-only: use GET.');
  });
  return router;
}
