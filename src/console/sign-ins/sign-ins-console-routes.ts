import type { Router } from '@koa/router';
import { z } from 'zod';
import type { AppliedPolicy, GraphSignIn, SignInFilter, SignInLog } from '../../audit/sign-in-log.js';
import { HttpError } from '../../http/http-error.js';
import type { PageRenderer } from '../../http/render.js';
import { requireConsolePermission } from '../console-access.js';
import { CONSOLE_PAGE_SIZE, optionalDate, optionalText, pageLinks, pageNumber, parseConsoleQuery } from '../console-forms.js';
import { consolePageBase } from '../console-page.js';

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
    page: pageNumber,
  })
  .refine((q) => !q.from || !q.to || q.from <= q.to, { message: 'the start date must not be after the end date', path: ['from'] });

/** Which of Graph's policy results mean the policy's conditions matched this sign-in. */
const NOT_APPLIED = new Set(['notApplied', 'notEnabled', 'reportOnlyNotApplied']);

const RESULT_LABELS: Record<string, string> = {
  success: 'Applied: its grant controls were satisfied',
  failure: 'Applied: its grant controls were not satisfied',
  notApplied: 'Not applied: its conditions did not match',
  notEnabled: 'Off (disabled)',
  reportOnlySuccess: 'Report-only: would have been satisfied',
  reportOnlyFailure: 'Report-only: would have refused',
  reportOnlyNotApplied: 'Report-only: its conditions did not match',
  reportOnlyInterrupted: 'Report-only: would have asked for more',
};

const MFA_METHODS: Record<string, string> = { totp: 'Authenticator app code (TOTP)', recoveryCode: 'Recovery code', trustedUpstream: 'MFA at the home identity provider (trusted)', passkey: 'Passkey' };

export interface SignInsConsoleDeps {
  log: SignInLog;
  renderer: PageRenderer;
  /** What the filters' selects offer: apps, identity providers and partners by id and name. */
  choices: { apps: { id: string; name: string }[]; idps: { id: string; name: string }[]; partners: { id: string; name: string }[] };
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
    const rows = await deps.log.list({ top: CONSOLE_PAGE_SIZE + 1, skip: (q.page - 1) * CONSOLE_PAGE_SIZE, filter });
    const shown = { user: q.user, app: q.app, status: q.status, ca: q.ca, idp: q.idp, partner: q.partner, from: dateOnly(ctx.query.from), to: dateOnly(ctx.query.to) };
    await deps.renderer.page(ctx, 'console-sign-ins', {
      ...consolePageBase(ctx, 'sign-ins'),
      query: shown,
      choices: deps.choices,
      signIns: rows.slice(0, CONSOLE_PAGE_SIZE).map(summary),
      ...pageLinks(BASE, shown, q.page, rows.length > CONSOLE_PAGE_SIZE),
    });
  });

  router.get('/:id', async (ctx) => {
    const id = ctx.params.id ?? '';
    const item = /^[0-9a-f-]{36}$/i.test(id) ? await deps.log.get(id.toLowerCase()) : undefined;
    if (!item) throw new HttpError(404, 'Request_ResourceNotFound', 'There is no such sign-in in the log (it may have been purged by the retention settings).');
    await deps.renderer.page(ctx, 'console-sign-in', { ...consolePageBase(ctx, 'sign-ins'), s: summary(item), policies: item.appliedConditionalAccessPolicies.map(policyView) });
  });

  return router;
}

function dateOnly(raw: unknown): string {
  return typeof raw === 'string' ? raw.trim().slice(0, 32) : '';
}

function summary(s: GraphSignIn) {
  return {
    id: s.id,
    at: `${s.createdDateTime.slice(0, 19).replace('T', ' ')} UTC`,
    user: s.userPrincipalName ?? s.userId ?? 'Unknown user',
    userDisplayName: s.userDisplayName ?? '',
    userType: s.userType ?? '',
    app: s.appDisplayName ?? s.appId ?? 'Unknown app',
    appId: s.appId ?? '',
    result: s.result,
    idp: s.identityProvider ?? '',
    partner: s.homeTenantName ?? s.homeTenantId ?? '',
    ip: s.ipAddress ?? '',
    ca: s.conditionalAccessStatus,
    errorCode: s.status.errorCode ?? '',
    failureReason: s.status.failureReason ?? '',
    additionalDetails: s.status.additionalDetails ?? '',
    requirement: s.authenticationRequirement === 'multiFactorAuthentication' ? 'Multi-factor' : 'Single factor',
    mfaMethod: s.mfaDetail ? (MFA_METHODS[s.mfaDetail.authMethod] ?? s.mfaDetail.authMethod) : '',
    methods: s.authenticationMethodsUsed.join(', '),
    correlationId: s.correlationId ?? '',
  };
}

function policyView(p: AppliedPolicy) {
  return {
    id: p.id,
    displayName: p.displayName,
    applied: !NOT_APPLIED.has(p.result),
    result: p.result,
    resultLabel: RESULT_LABELS[p.result] ?? p.result,
    reason: p.reason,
    grantControls: p.enforcedGrantControls,
    sessionControls: p.enforcedSessionControls,
  };
}
