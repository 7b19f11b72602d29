/**
 * The console's bulk invitation section (/myapps/admin/invite): a CSV of guests validated row by
 * row, sent after the uploader confirms, with progress and a result file. The rows are sent by a
 * runner on any node (src/invitations/bulk/), started at confirmation and by a scheduled job that
 * finishes what a stopped node left.
 */
import type Provider from 'oidc-provider';
import type { Feature } from '../../core/feature.js';
import type { SharedServices } from '../../core/shared-services.js';
import { accountUsable } from '../../directory/account-usable.js';
import type { User } from '../../directory/user-model.js';
import { HttpError } from '../../http/http-error.js';
import { BulkInvitationJobs } from '../../invitations/bulk/bulk-jobs.js';
import { createBulkRunner, type BulkRunner } from '../../invitations/bulk/bulk-runner.js';
import type { InvitationService } from '../../invitations/invitation-service.js';
import type { Inviter } from '../../invitations/inviter.js';
import { mayUseConsole } from '../console-access.js';
import { inviteRoutes } from './invite-routes.js';

/** Inviting is all the console asks of the service here (no account recovery). */
const INVITE_SCOPES: ReadonlySet<string> = new Set(['User.Invite.All']);

const inviterOf = (user: User): Inviter => ({ type: 'user', id: user.id, displayName: user.displayName || user.mail, userType: user.userType, roles: user.roles, scopes: INVITE_SCOPES });

export function wireConsoleInvite(shared: SharedServices, deps: { provider: Provider; invitations: InvitationService }): { feature: Feature; runner: BulkRunner } {
  const { db, users, logger, renderer, secureCookies, config, nodeId } = shared;
  const jobs = new BulkInvitationJobs(db);
  const runner = createBulkRunner({
    db,
    invitations: deps.invitations,
    logger,
    nodeId,
    // The uploader as they are when each row is sent: one who has lost the right to invite meanwhile sends nothing more.
    async inviterFor(job) {
      const owner = await users.findById(job.createdBy);
      if (!owner || !accountUsable(owner, users.clock.now()) || !mayUseConsole(owner, 'User.Invite.All')) {
        return new HttpError(403, 'consolePermissionRequired', 'The administrator who uploaded this file may no longer invite guests, so the remaining rows were not sent.');
      }
      return inviterOf(owner);
    },
  });
  const feature: Feature = {
    routers: inviteRoutes({ provider: deps.provider, users, issuer: config.issuer, secureCookies, renderer, invitations: deps.invitations, jobs, runner, logger, inviterOf }),
    jobs: [{ name: 'bulk-invitations', everyMs: 15_000, run: () => runner.drain() }],
  };
  return { feature, runner };
}
