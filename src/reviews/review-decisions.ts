import type { AuditLog } from '../audit/audit-log.js';
import type { Database } from '../db/connect.js';
import { HttpError } from '../http/http-error.js';
import type { Clock } from '../lib/clock.js';

export interface ReviewItem {
  principalId: string;
  displayName: string;
  mail: string;
  lastSignInDateTime: string | null;
  recommendation: string;
  decision: string | null;
}

/**
 * What a reviewer sees and decides. Every read and write checks that this user is a reviewer of
 * this guest in this instance (access_review_reviewers), so a link shared with, or guessed by,
 * someone else shows and changes nothing; a decision is refused once the review has ended.
 */
export class ReviewDecisions {
  constructor(private readonly deps: { db: Database; clock: Clock; audit: AuditLog; reviews: { id: string; displayName: string }[] }) {}

  async view(instanceId: string, reviewerId: string): Promise<{ displayName: string; endsAt: string; open: boolean; items: ReviewItem[] }> {
    const instance = await this.instanceFor(instanceId, reviewerId);
    const rows = await this.deps.db('access_review_decisions as d')
      .join('access_review_reviewers as r', function () {
        this.on('r.instance_id', 'd.instance_id').andOn('r.principal_id', 'd.principal_id');
      })
      .join('users as u', 'u.id', 'd.principal_id')
      .where({ 'd.instance_id': instanceId, 'r.reviewer_id': reviewerId })
      .orderBy('u.mail')
      .select('d.principal_id', 'u.display_name', 'u.mail', 'u.last_sign_in_at', 'd.recommendation', 'd.decision');
    return {
      displayName: this.deps.reviews.find((r) => r.id === instance.definition_id)?.displayName ?? instance.definition_id,
      endsAt: instance.ends_at,
      open: this.isOpen(instance),
      items: rows.map((r) => ({ principalId: r.principal_id, displayName: r.display_name, mail: r.mail, lastSignInDateTime: r.last_sign_in_at, recommendation: r.recommendation, decision: r.decision })),
    };
  }

  async decide(instanceId: string, reviewerId: string, principalId: unknown, decision: unknown, correlationId?: string): Promise<void> {
    if (typeof principalId !== 'string' || (decision !== 'Approve' && decision !== 'Deny')) throw new HttpError(400, 'invalidDecision', 'Choose approve or deny for one guest.');
    await this.deps.db.transaction(async (trx) => {
      const instance = await this.instanceFor(instanceId, reviewerId, trx);
      if (!this.isOpen(instance)) throw new HttpError(409, 'reviewEnded', 'This review has ended; its decisions have been applied.');
      const mine = await trx('access_review_reviewers').where({ instance_id: instanceId, reviewer_id: reviewerId, principal_id: principalId }).first();
      if (!mine) throw new HttpError(403, 'notAReviewer', 'You are not a reviewer of this guest.');
      const now = this.deps.clock.now().toISOString();
      await trx('access_review_decisions').where({ instance_id: instanceId, principal_id: principalId }).whereNull('applied_at').update({ decision, reviewed_by: reviewerId, reviewed_at: now });
      await this.deps.audit.record({ category: 'UserManagement', activity: 'Record access review decision', result: 'success', actor: { type: 'user', id: reviewerId }, target: { type: 'User', id: principalId }, details: { accessReviewId: instanceId, decision }, correlationId }, trx);
    });
  }

  private isOpen(instance: { status: string; ends_at: string }): boolean {
    return instance.status === 'InProgress' && instance.ends_at > this.deps.clock.now().toISOString();
  }

  /** The instance, only for one of its reviewers; anyone else gets the same 403 whether or not it exists. */
  private async instanceFor(instanceId: string, reviewerId: string, trx: Database = this.deps.db): Promise<{ definition_id: string; ends_at: string; status: string }> {
    const isReviewer = await trx('access_review_reviewers').where({ instance_id: instanceId, reviewer_id: reviewerId }).first();
    const instance = isReviewer ? await trx('access_review_instances').where({ id: instanceId }).first() : undefined;
    if (!instance) throw new HttpError(403, 'notAReviewer', 'You are not a reviewer of this access review.');
    return instance;
  }
}
