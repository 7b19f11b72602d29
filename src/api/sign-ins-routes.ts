import { Router } from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import type { SignInFilter, SignInLog } from '../audit/sign-in-log.js';
import { HttpError } from '../http/http-error.js';
import { parseInput } from '../http/validate.js';
import { idParam, permit } from './api-guards.js';
import { keysetPageOf, keysetPaging, scopeOf, type SkipTokenCodec } from './skiptoken.js';

/** `$filter` clauses Foyer understands, joined with `and`: Graph's common sign-in filters. */
const EQUALS: Record<string, keyof SignInFilter> = {
  userId: 'userId',
  userPrincipalName: 'userPrincipalName',
  appId: 'appId',
  identityProvider: 'identityProvider',
  'status/errorCode': 'errorCode',
  result: 'result',
  conditionalAccessStatus: 'conditionalAccessStatus',
  homeTenantId: 'homeTenantId',
};
const SUPPORTED = `${Object.keys(EQUALS).map((k) => `${k} eq '…'`).join(', ')}, createdDateTime ge/le <ISO date-time>`;
const isoDateTime = z.iso.datetime({ offset: true });

export function parseSignInFilter(raw: unknown): SignInFilter {
  if (raw === undefined) return {};
  if (typeof raw !== 'string' || raw.length > 1000) throw new HttpError(400, 'invalidQuery', 'Give $filter once, as text.');
  const filter: SignInFilter = {};
  for (const clause of raw.trim().split(/\s+and\s+/i)) {
    const eq = /^([A-Za-z/]+)\s+eq\s+'((?:[^']|'')*)'$/.exec(clause.trim());
    const range = /^createdDateTime\s+(ge|le)\s+(\S+)$/.exec(clause.trim());
    if (eq && EQUALS[eq[1]!]) {
      const key = EQUALS[eq[1]!]!;
      (filter as Record<string, string>)[key] = eq[2]!.replace(/''/g, "'");
    } else if (range && isoDateTime.safeParse(range[2]).success) {
      const at = new Date(range[2]!).toISOString();
      if (range[1] === 'ge') filter.createdAfter = at;
      else filter.createdBefore = at;
    } else {
      throw new HttpError(400, 'invalidQuery', `$filter cannot use "${clause.slice(0, 80)}". Supported: ${SUPPORTED}.`);
    }
  }
  if (filter.result && !['success', 'failure', 'interrupted'].includes(filter.result)) {
    throw new HttpError(400, 'invalidQuery', "result must be 'success', 'failure' or 'interrupted'.");
  }
  return filter;
}

/** Graph's sign-in log: GET /auditLogs/signIns (newest first, keyset pages with an opaque $skiptoken, a $filter subset) and one by id. */
export function signInsRoutes(deps: { log: SignInLog; issuer: string; skipTokens: SkipTokenCodec }): Router {
  const router = new Router();

  router.get('/auditLogs/signIns', permit('AuditLog.Read.All'), async (ctx: Context) => {
    const filter = parseSignInFilter(ctx.query.$filter);
    const scope = scopeOf('signIns', filter);
    const page = keysetPaging(ctx, deps.skipTokens, scope);
    const items = await deps.log.list({ top: page.top + 1, after: page.after, filter });
    ctx.body = keysetPageOf(ctx, items, page, {
      url: `${deps.issuer}/v1.0/auditLogs/signIns`,
      scope,
      codec: deps.skipTokens,
      positionOf: (s) => ({ value: s.createdDateTime, id: s.id }),
      shape: (s) => s,
      extra: { '@odata.context': `${deps.issuer}/v1.0/$metadata#auditLogs/signIns` },
    });
  });

  router.get('/auditLogs/signIns/:id', permit('AuditLog.Read.All'), async (ctx) => {
    const id = parseInput(idParam, ctx.params.id, 'invalidId');
    const item = await deps.log.get(id);
    if (!item) throw new HttpError(404, 'Request_ResourceNotFound', `No sign-in has the id ${id}.`);
    ctx.body = item;
  });

  router.all(['/auditLogs/signIns', '/auditLogs/signIns/:id'], () => {
    throw new HttpError(405, 'methodNotAllowed', 'The sign-in log is read-only: use GET.');
  });

  return router;
}
