import type { Router } from '@koa/router';
import { z } from 'zod';
import { scopeOf, type SkipTokenCodec } from '../../api/skiptoken.js';
import type { AppliedPolicy, GraphSignIn, SignInFilter, SignInLog } from '../../audit/sign-in-log.js';
import type { Translator } from '../../i18n/translator.js';
import { HttpError } from '../../http/http-error.js';
import type { PageRenderer } from '../../http/render.js';
import { requireConsolePermission } from '../console-access.js';
import { CONSOLE_PAGE_SIZE, optionalDate, optionalText, parseConsoleQuery } from '../console-forms.js';
import { consolePageBase } from '../console-page.js';
import { reasonText } from '../policy-reason-text.js';

const BASE = '/myapps/admin/sign-ins';
const DAY_MS = 86_400_000;
const idText = z
  .string()
  .trim()
  .max(64, 'must be at most 64 characters')
  .regex(/^[A-Za-z0-9._:-]*$/, 'must be an id (letters, digits, dots, dashes)')
  .optional()
  .transform((v) => (v ? v : undefined));
const orAll = <T extends readonly [string, ...string[]]>(values: T, what: string) =>
  z
    .union([z.literal(''), z.enum(values)], { error: `must be one of ${values.join(', ')} (${what})` })
    .optional()
    .transform((v) => (v ? v : undefined));

const listQuery = z
  .strictObject({
    user: optionalText(320),
    app: idText,
    status: orAll(['success', 'failure', 'interrupted'] as const, 'the sign-in’s result'),
    ca: orAll(['success', 'failure', 'notApplied'] as const, 'the conditional access result'),
    idp: idText,
    partner: idText,
    from: optionalDate,
    to: optionalDate,
    /** Where the page starts: an opaque token at the previous page's last row (keyset paging). */
    after: z.string().max(1024).optional(),
  })
  .refine((q) => !q.from || !q.to || q.from <= q.to, { message: 'the start date must not be after the end date', path: ['from'] });

/** Which of Graph's policy results mean the policy's conditions matched this sign-in. */
const NOT_APPLIED = new Set(['notApplied', 'notEnabled', 'reportOnlyNotApplied']);

/** What each of Graph's policy results means, as catalog keys (the value itself stays in data-result). */
const RESULT_LABELS: Record<string, string> = {
  success: 'console.signIn.resultSuccess',
  failure: 'console.signIn.resultFailure',
  notApplied: 'console.signIn.resultNotApplied',
  notEnabled: 'console.signIn.resultNotEnabled',
  reportOnlySuccess: 'console.signIn.resultReportOnlySuccess',
  reportOnlyFailure: 'console.signIn.resultReportOnlyFailure',
  reportOnlyNotApplied: 'console.signIn.resultReportOnlyNotApplied',
  reportOnlyInterrupted: 'console.signIn.resultReportOnlyInterrupted',
};

const MFA_METHODS: Record<string, string> = { totp: 'console.signIn.mfaTotp', recoveryCode: 'console.signIn.mfaRecoveryCode', trustedUpstream: 'console.signIn.mfaTrustedUpstream', passkey: 'console.signIn.mfaPasskey' };

interface Choice {
  id: string;
  name: string;
  key?: string;
}

export interface SignInsConsoleDeps {
  log: SignInLog;
  renderer: PageRenderer;
  /** Signs the `after` tokens of the next-page links, bound to the filter they were made for. */
  cursors: SkipTokenCodec;
  /** What the filters' selects offer: apps, identity providers and partners by id and name (Foyer's own ones with a catalog key). */
  choices: Record<'apps' | 'idps' | 'partners', Choice[]>;
}

/** The sign-in log in the console (AuditLog.Read.All, as GET /v1.0/auditLogs/signIns): filters, pages, and each sign-in's policy trace. */
export function signInsConsoleRoutes(router: Router, deps: SignInsConsoleDeps): Router {
  router.use(requireConsolePermission('AuditLog.Read.All'));

  router.get('/', async (ctx) => {
    const q = parseConsoleQuery(listQuery, ctx);
    const filter: SignInFilter = {
      ...(q.user ? { userPrincipalName: q.user } : {}),
      ...(q.app ? { appId: q.app } : {}),
      ...(q.status ? { result: q.status } : {}),
      ...(q.ca ? { conditionalAccessStatus: q.ca } : {}),
      ...(q.idp ? { identityProvider: q.idp } : {}),
      ...(q.partner ? { homeTenantId: q.partner } : {}),
      ...(q.from ? { createdAfter: q.from.toISOString() } : {}),
      // A date alone means the whole of that day (UTC).
      ...(q.to ? { createdBefore: new Date(q.to.getTime() + (/^\d{4}-\d\d-\d\d$/.test(String(ctx.query.to).trim()) ? DAY_MS - 1 : 0)).toISOString() } : {}),
    };
    // Keyset pages: each reads one index range from the previous page's last row, so a deep page
    // costs what the first costs (issue 20). A token made for another filter is refused (400).
    const scope = scopeOf('console-sign-ins', filter);
    const after = q.after ? afterPosition(deps.cursors, q.after, scope) : undefined;
    const rows = await deps.log.list({ top: CONSOLE_PAGE_SIZE + 1, after, filter });
    const shown = { user: q.user, app: q.app, status: q.status, ca: q.ca, idp: q.idp, partner: q.partner, from: dateOnly(ctx.query.from), to: dateOnly(ctx.query.to) };
    const kept = rows.slice(0, CONSOLE_PAGE_SIZE);
    const last = kept.at(-1);
    await deps.renderer.page(ctx, 'console-sign-ins', {
      ...consolePageBase(ctx, 'sign-ins'),
      query: shown,
      choices: Object.fromEntries(Object.entries(deps.choices).map(([kind, list]) => [kind, list.map((c) => ({ id: c.id, name: c.key ? deps.renderer.translator(ctx).t(c.key) : c.name }))])),
      signIns: kept.map((s) => summary(s, deps.renderer.translator(ctx))),
      // Back to the first (newest) page rather than one page back: the log is read newest first, forwards only.
      first: after ? link(shown) : '',
      next: last && rows.length > CONSOLE_PAGE_SIZE ? link(shown, deps.cursors.encode(scope, { value: last.createdDateTime, id: last.id })) : '',
    });
  });

  router.get('/:id', async (ctx) => {
    const id = ctx.params.id ?? '';
    const item = /^[0-9a-f-]{36}$/i.test(id) ? await deps.log.get(id.toLowerCase(), { reasonCodes: true }) : undefined;
    if (!item) throw new HttpError(404, 'Request_ResourceNotFound', 'There is no such sign-in in the log (it may have been purged by the retention settings).');
    const tr = deps.renderer.translator(ctx);
    await deps.renderer.page(ctx, 'console-sign-in', { ...consolePageBase(ctx, 'sign-ins'), s: summary(item, tr), policies: item.appliedConditionalAccessPolicies.map((p) => policyView(p, tr)) });
  });

  return router;
}

function afterPosition(cursors: SkipTokenCodec, token: string, scope: string) {
  try {
    return cursors.decode(token, scope);
  } catch {
    throw new HttpError(400, 'invalidFilter', 'The page link is not one Foyer made for this filter: follow the links as given, or start again from the newest sign-ins.');
  }
}

function link(filters: Record<string, string | undefined>, after?: string): string {
  const params = new URLSearchParams(Object.entries(filters).filter((e): e is [string, string] => Boolean(e[1])));
  if (after) params.set('after', after);
  const query = params.toString();
  return query ? `${BASE}?${query}` : BASE;
}

function dateOnly(raw: unknown): string {
  return typeof raw === 'string' ? raw.trim().slice(0, 32) : '';
}

function summary(s: GraphSignIn, tr: Translator) {
  return {
    id: s.id,
    at: `${s.createdDateTime.slice(0, 19).replace('T', ' ')} UTC`,
    user: s.userPrincipalName ?? s.userId ?? tr.t('console.signIn.unknownUser'),
    userDisplayName: s.userDisplayName ?? '',
    userType: s.userType ?? '',
    app: s.appDisplayName ?? s.appId ?? tr.t('console.signIn.unknownApp'),
    appId: s.appId ?? '',
    result: s.result,
    idp: s.identityProvider ?? '',
    partner: s.homeTenantName ?? s.homeTenantId ?? '',
    ip: s.ipAddress ?? '',
    ca: s.conditionalAccessStatus,
    errorCode: s.status.errorCode ?? '',
    failureReason: s.status.failureReason ?? '',
    additionalDetails: s.status.additionalDetails ?? '',
    requirement: tr.t(s.authenticationRequirement === 'multiFactorAuthentication' ? 'console.signIn.multiFactor' : 'console.signIn.singleFactor'),
    mfaMethod: s.mfaDetail ? (Object.hasOwn(MFA_METHODS, s.mfaDetail.authMethod) ? tr.t(MFA_METHODS[s.mfaDetail.authMethod]!) : s.mfaDetail.authMethod) : '',
    methods: s.authenticationMethodsUsed.join(', '),
    correlationId: s.correlationId ?? '',
  };
}

function policyView(p: AppliedPolicy, tr: Translator) {
  return {
    id: p.id,
    displayName: p.displayName,
    applied: !NOT_APPLIED.has(p.result),
    result: p.result,
    resultLabel: Object.hasOwn(RESULT_LABELS, p.result) ? tr.t(RESULT_LABELS[p.result]!) : p.result,
    reason: reasonText(tr, p),
    grantControls: p.enforcedGrantControls,
    sessionControls: p.enforcedSessionControls,
  };
}
