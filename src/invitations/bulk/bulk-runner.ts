import type { Database } from '../../db/connect.js';
import { HttpError } from '../../http/http-error.js';
import { isoIn, nowIso } from '../../lib/clock.js';
import type { Logger } from '../../logging/logger.js';
import type { InvitationService } from '../invitation-service.js';
import type { Inviter } from '../inviter.js';
import type { BulkJob } from './bulk-jobs.js';
import { invitationOf } from './bulk-validate.js';

export interface BulkRunnerDeps {
  db: Database;
  invitations: Pick<InvitationService, 'create'>;
  logger: Logger;
  /** Names this node in a row's claim. */
  nodeId: string;
  /**
   * Who sends a job's invitations: its owner as they are *now* (roles, enabled), or the refusal
   * every remaining row gets when they may no longer invite (their role was taken away meanwhile).
   */
  inviterFor(job: Pick<BulkJob, 'createdBy'>): Promise<Inviter | HttpError>;
  /** How long a claimed row stays with this node; a node that dies mid-row frees it after this. */
  claimSeconds?: number;
  batchSize?: number;
}

class ClaimLost extends Error {}

/**
 * Sends the confirmed rows, on any node: each row is claimed with one conditional UPDATE (pending,
 * and unclaimed or its claim run out), so of racing nodes one gets it; the row is marked invited
 * inside the invitation's own transaction, still under this node's claim, so a row whose claim
 * was lost to another node rolls back instead of inviting twice, and a node killed after the
 * commit leaves the row invited, not pending. A row the service refuses is marked failed with the
 * service's code. A job is done when no row is pending.
 */
export function createBulkRunner(deps: BulkRunnerDeps) {
  const { db, nodeId, logger } = deps;
  const claimSeconds = deps.claimSeconds ?? 300;
  const batchSize = deps.batchSize ?? 50;

  async function claim(jobId: string, line: number): Promise<boolean> {
    const now = nowIso();
    const changed = await db('bulk_invitation_rows')
      .where({ job_id: jobId, line, status: 'pending' })
      .andWhere((q) => q.whereNull('claimed_until').orWhere('claimed_until', '<=', now))
      .update({ claimed_by: nodeId, claimed_until: isoIn(claimSeconds) });
    return changed === 1;
  }

  async function processRow(job: BulkJob, row: Record<string, unknown>, inviter: Inviter | HttpError): Promise<void> {
    const key = { job_id: job.id, line: Number(row.line), claimed_by: nodeId, status: 'pending' };
    if (inviter instanceof HttpError) {
      await db('bulk_invitation_rows').where(key).update({ status: 'failed', error_code: inviter.code, error_message: inviter.message.slice(0, 512) });
      return;
    }
    const input = invitationOf({
      email: String(row.email),
      displayName: (row.display_name as string | null) ?? undefined,
      redirectUrl: (row.redirect_url as string | null) ?? undefined,
      sendMail: Boolean(row.send_mail),
      message: (row.message as string | null) ?? undefined,
    });
    try {
      const created = await deps.invitations.create(input, inviter, `bulk:${job.id}:${String(row.line)}`, async (user, trx) => {
        const marked = await trx('bulk_invitation_rows').where(key).update({ status: 'invited', user_id: user.id });
        if (marked !== 1) throw new ClaimLost();
      });
      await db('bulk_invitation_rows').where({ job_id: job.id, line: key.line }).update({ invitation_id: created.id, claimed_by: null, claimed_until: null });
    } catch (err) {
      if (err instanceof ClaimLost) return;
      const known = err instanceof HttpError;
      if (!known || err.status >= 500) logger.warn({ err: (err as Error).message, job: job.id, line: key.line }, 'bulk invitation row failed');
      await db('bulk_invitation_rows')
        .where(key)
        .update({ status: 'failed', error_code: known ? err.code : 'internalError', error_message: known ? err.message.slice(0, 512) : 'The invitation could not be created; see the server log.' });
    }
  }

  /** Claims and sends up to one batch of rows across confirmed jobs; returns how many it sent or refused. */
  async function runBatch(): Promise<number> {
    const jobs = (await db('bulk_invitation_jobs').where({ status: 'confirmed' }).orderBy('confirmed_at').select()) as Record<string, unknown>[];
    let handled = 0;
    for (const j of jobs) {
      const job = { id: String(j.id), createdBy: String(j.created_by) } as BulkJob;
      const now = nowIso();
      const rows = await db('bulk_invitation_rows')
        .where({ job_id: job.id, status: 'pending' })
        .andWhere((q) => q.whereNull('claimed_until').orWhere('claimed_until', '<=', now))
        .orderBy('line')
        .limit(batchSize - handled);
      const inviter = rows.length ? await deps.inviterFor(job) : undefined;
      for (const row of rows as Record<string, unknown>[]) {
        if (!(await claim(job.id, Number(row.line)))) continue;
        await processRow(job, row, inviter!);
        handled++;
      }
      const left = await db('bulk_invitation_rows').where({ job_id: job.id, status: 'pending' }).count({ n: '*' }).first();
      if (Number(left?.n ?? 0) === 0) await db('bulk_invitation_jobs').where({ id: job.id, status: 'confirmed' }).update({ status: 'done', finished_at: nowIso() });
      if (handled >= batchSize) break;
    }
    return handled;
  }

  let draining: Promise<void> | undefined;
  /** Sends batches until nothing is left that this node can claim; one drain at a time per node. */
  function drain(): Promise<void> {
    draining ??= (async () => {
      try {
        while ((await runBatch()) > 0);
      } finally {
        draining = undefined;
      }
    })();
    return draining;
  }

  return { runBatch, drain };
}

export type BulkRunner = ReturnType<typeof createBulkRunner>;
