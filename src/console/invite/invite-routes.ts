import { Router } from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { UsersRepository } from '../../directory/users-repository.js';
import { csrfProtection } from '../../http/csrf.js';
import { formErrorMessage, pageMessage } from '../../i18n/page-message.js';
import { HttpError } from '../../http/http-error.js';
import type { PageRenderer } from '../../http/render.js';
import { BULK_LIMITS, parseBulkCsv } from '../../invitations/bulk/bulk-csv.js';
import type { BulkInvitationJobs, BulkJob } from '../../invitations/bulk/bulk-jobs.js';
import { resultCsv } from '../../invitations/bulk/bulk-result-csv.js';
import type { BulkRunner } from '../../invitations/bulk/bulk-runner.js';
import { validateBulkRows } from '../../invitations/bulk/bulk-validate.js';
import type { InvitationService } from '../../invitations/invitation-service.js';
import type { Inviter } from '../../invitations/inviter.js';
import type { Logger } from '../../logging/logger.js';
import { portalUser, requirePortalUser } from '../../portal/portal-auth.js';
import { portalPageGuards } from '../../portal/portal-routes.js';
import { requireConsolePermission } from '../console-access.js';
import { consolePageBase } from '../console-page.js';
import { parseUploadBody, type UploadBody } from './upload-body.js';

export interface InviteRoutesDeps {
  provider: Provider;
  users: UsersRepository;
  issuer: string;
  secureCookies: boolean;
  renderer: PageRenderer;
  invitations: InvitationService;
  jobs: BulkInvitationJobs;
  runner: BulkRunner;
  logger: Logger;
  inviterOf(user: ReturnType<typeof portalUser>): Inviter;
}

const SECTION = 'invite';
const BASE = '/myapps/admin/invite';
/** The confirmation page lists this many bad rows; the result file has them all. */
const PROBLEMS_SHOWN = 200;
const PERMISSION = 'User.Invite.All';

/**
 * The console's bulk invitation (/myapps/admin/invite), with the API's permission for inviting
 * (User.Invite.All: Global Administrator, User Administrator, Guest Inviter). Upload → every row
 * validated, nothing sent → the uploader confirms → rows sent by the runner on any node → a
 * progress page that refreshes itself (and a JSON status) → a result file per row.
 */
export function inviteRoutes(deps: InviteRoutesDeps): Router[] {
  const { jobs, renderer } = deps;

  async function uploadPage(ctx: Context, extra: { error?: string; errorCode?: string; csv?: string } = {}, status = 200) {
    const mine = await jobs.listOwn(portalUser(ctx).id);
    await renderer.page(ctx, 'console-invite', { ...consolePageBase(ctx, SECTION), limits: { mb: BULK_LIMITS.maxBytes / 1024 / 1024, rows: renderer.translator(ctx).number(BULK_LIMITS.maxRows) }, jobs: mine, ...extra }, status);
  }

  async function jobPage(ctx: Context, job: BulkJob, notice?: string) {
    const progress = await jobs.progress(job);
    const tr = renderer.translator(ctx);
    // Each row's problem in the page's language where the catalog has its code (errors.<code>); the result file keeps English.
    const problems = (job.status === 'validated' ? await jobs.problems(job.id, PROBLEMS_SHOWN) : []).map((p) => ({ ...p, errorMessage: p.errorCode && p.errorMessage ? pageMessage(tr, { code: p.errorCode, message: p.errorMessage }) : p.errorMessage }));
    const processed = progress.invited + progress.failed;
    const valid = progress.total - progress.invalid;
    await renderer.page(ctx, 'console-invite-job', {
      ...consolePageBase(ctx, SECTION),
      job,
      progress,
      problems,
      moreProblems: progress.invalid - problems.length,
      percent: valid ? Math.floor((processed * 100) / valid) : 100,
      processed,
      valid,
      // No script: the page reloads itself while rows are being sent (a reload loses nothing: the job lives in the database).
      refreshSeconds: job.status === 'confirmed' ? 2 : undefined,
      notice,
    });
  }

  const ownJob = (ctx: Context) => jobs.requireOwn(String(ctx.params.id), portalUser(ctx).id);

  // The upload reads a body far larger than any other form, so it has its own router: the user and
  // their permission are checked before the body is read, then the CSRF token in it.
  const upload = new Router({ prefix: BASE });
  upload.post('/', requirePortalUser(deps), requireConsolePermission(PERMISSION), parseUploadBody(), csrfProtection({ secure: deps.secureCookies }), async (ctx) => {
    const body = (ctx.request.body ?? {}) as UploadBody;
    const csv = body.csv ?? '';
    let rows;
    try {
      rows = parseBulkCsv(csv);
    } catch (err) {
      if (err instanceof HttpError && err.status < 500) return uploadPage(ctx, { error: formErrorMessage(renderer.translator(ctx), err), errorCode: err.code, csv: csv.length <= 64 * 1024 ? csv : undefined }, err.status);
      throw err;
    }
    const user = portalUser(ctx);
    const validated = await validateBulkRows(rows, deps.invitations, deps.inviterOf(user));
    const job = await jobs.create({ id: user.id, displayName: user.displayName || user.mail }, body.fileName, validated);
    ctx.status = 303;
    ctx.redirect(`${BASE}/${job.id}`);
  });

  const pages = new Router({ prefix: BASE });
  pages.use(...portalPageGuards(deps));
  pages.get('/', requireConsolePermission(PERMISSION), (ctx) => uploadPage(ctx));
  pages.get('/:id', requireConsolePermission(PERMISSION), async (ctx) => {
    const notices: Record<string, string> = { confirmed: 'console.inviteJob.confirmedNotice', cancelled: 'console.inviteJob.cancelled' };
    const notice = typeof ctx.query.notice === 'string' && Object.hasOwn(notices, ctx.query.notice) ? renderer.translator(ctx).t(notices[ctx.query.notice]!) : undefined;
    await jobPage(ctx, await ownJob(ctx), notice);
  });
  pages.get('/:id/status', requireConsolePermission(PERMISSION), async (ctx) => {
    ctx.body = await jobs.progress(await ownJob(ctx));
  });
  pages.get('/:id/result.csv', requireConsolePermission(PERMISSION), async (ctx) => {
    const job = await ownJob(ctx);
    ctx.type = 'text/csv; charset=utf-8';
    ctx.attachment(`bulk-invitations-${job.id}.csv`);
    ctx.body = resultCsv(await jobs.results(job.id));
  });
  pages.post('/:id/confirm', requireConsolePermission(PERMISSION), async (ctx) => {
    if ((ctx.request.body as Record<string, unknown> | undefined)?.confirm !== 'yes') throw new HttpError(400, 'confirmationRequired', 'Press "Send invitations" on the file\'s page to confirm.');
    const job = await ownJob(ctx);
    await jobs.confirm(job);
    // Started here at once; the scheduled job picks up whatever this node leaves (or dies with).
    void deps.runner.drain().catch((err: unknown) => deps.logger.warn({ err: (err as Error).message, job: job.id }, 'bulk invitations: sending stopped; the scheduled job retries'));
    ctx.status = 303;
    ctx.redirect(`${BASE}/${job.id}?notice=confirmed`);
  });
  pages.post('/:id/cancel', requireConsolePermission(PERMISSION), async (ctx) => {
    const job = await ownJob(ctx);
    await jobs.cancel(job);
    ctx.status = 303;
    ctx.redirect(`${BASE}/${job.id}?notice=cancelled`);
  });
  return [upload, pages];
}
