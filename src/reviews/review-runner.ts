import { randomUUID } from 'node:crypto';
import type { AuditLog } from '../audit/audit-log.js';
import { parseRecurrence, type AccessReviewConfig } from '../config/access-reviews-schema.js';
import type { Database } from '../db/connect.js';
import type { AppAssignmentService } from '../directory/app-assignment-service.js';
import type { AssignmentsRepository } from '../directory/assignments-repository.js';
import type { UserLifecycle } from '../directory/user-lifecycle.js';
import { DAY_MS, type Clock } from '../lib/clock.js';
import type { Logger } from '../logging/logger.js';
import type { LifecycleMail } from '../lifecycle/lifecycle-mail.js';

const SYSTEM = { type: 'system' as const };
/** A guest with no sign-in for this long is recommended for removal (Entra's 30-day inactivity). */
export const INACTIVE_RECOMMENDATION_DAYS = 30;

interface Guest {
  id: string;
  mail: string;
  last_sign_in_at: string | null;
  created_at: string;
}

export interface ReviewRunnerDeps {
  db: Database;
  clock: Clock;
  reviews: AccessReviewConfig[];
  apps: { id: string; owners: string[] }[];
  audit: AuditLog;
  assignments: Pick<AssignmentsRepository, 'listForPrincipal'>;
  appAssignments: Pick<AppAssignmentService, 'removeIn' | 'afterRemoval'>;
  lifecycle: Pick<UserLifecycle, 'disableIn' | 'afterDisable'>;
  mail: LifecycleMail;
  issuer: string;
  tenantName: string;
  logger: Logger;
  /** The partner organisations a user belongs to (src/partners/), for `scope: { partner }`. */
  homeTenants?: (userId: string) => Promise<string[]>;
}

/**
 * Runs the configured access reviews (one deployment-wide job): starts an instance when one is due
 * (its decision rows and reviewer rows in one transaction, then the reviewer mails), and applies an
 * ended instance one decision at a time, each in its own transaction that marks the row applied.
 * A node killed mid-apply leaves whole decisions applied and the rest unapplied, and sessions
 * owed by a committed removal recorded as owed; the next run finishes both. Rows already applied
 * are never applied twice.
 */
export class ReviewRunner {
  constructor(private readonly deps: ReviewRunnerDeps) {}

  async run(): Promise<{ started: number; applied: number }> {
    let started = 0;
    for (const review of this.deps.reviews) if (await this.startIfDue(review)) started++;
    return { started, applied: await this.applyEnded() };
  }

  private async startIfDue(review: AccessReviewConfig): Promise<boolean> {
    const { db, clock } = this.deps;
    const now = clock.now();
    const last = await db('access_review_instances').where({ definition_id: review.id }).orderBy('starts_at', 'desc').first();
    const every = parseRecurrence(review.recurrence.every)!;
    if (last && new Date(last.starts_at).getTime() + every > now.getTime()) return false;
    const guests = await this.guestsInScope(review);
    const reviewerRows: { reviewer_id: string; principal_id: string }[] = [];
    for (const g of guests) for (const reviewerId of await this.reviewersOf(review, g.id)) reviewerRows.push({ reviewer_id: reviewerId, principal_id: g.id });
    const instanceId = randomUUID();
    const endsAt = new Date(now.getTime() + review.durationInDays * DAY_MS).toISOString();
    const inactiveBefore = new Date(now.getTime() - INACTIVE_RECOMMENDATION_DAYS * DAY_MS).toISOString();
    await db.transaction(async (trx) => {
      await trx('access_review_instances').insert({ id: instanceId, definition_id: review.id, starts_at: now.toISOString(), ends_at: endsAt, status: 'InProgress' });
      for (const g of guests) {
        const lastSeen = g.last_sign_in_at ?? g.created_at;
        await trx('access_review_decisions').insert({ id: randomUUID(), instance_id: instanceId, principal_id: g.id, app_id: appOf(review) ?? null, recommendation: lastSeen < inactiveBefore ? 'Deny' : 'Approve' });
      }
      for (const r of reviewerRows) await trx('access_review_reviewers').insert({ instance_id: instanceId, ...r });
      await this.deps.audit.record({ category: 'UserManagement', activity: 'Start access review', result: 'success', actor: SYSTEM, target: { type: 'AccessReview', id: instanceId }, details: { definitionId: review.id, guests: guests.length, endsAt } }, trx);
    });
    // Mails after the commit (lifecycle-mail.ts), each in its reviewer's preferredLanguage: a refused mail never undoes the start.
    const perReviewer = new Map<string, number>();
    for (const r of reviewerRows) perReviewer.set(r.reviewer_id, (perReviewer.get(r.reviewer_id) ?? 0) + 1);
    for (const [reviewerId, count] of perReviewer) {
      const reviewer = await db('users').where({ id: reviewerId }).first();
      if (!reviewer?.mail) continue;
      await this.deps.mail.send(reviewer.mail, 'reviewerAsked', { tenant: this.deps.tenantName, review: review.displayName, guests: count, endsOn: endsAt, reviewUrl: `${this.deps.issuer}/myapps/reviews/${instanceId}`, defaultDecision: review.defaultDecision }, reviewer.preferred_language);
    }
    return true;
  }

  private async guestsInScope(review: AccessReviewConfig): Promise<Guest[]> {
    const { db } = this.deps;
    const columns = ['users.id', 'users.mail', 'users.last_sign_in_at', 'users.created_at'];
    const scope = review.scope;
    const base = () => db('users').where({ 'users.user_type': 'Guest', 'users.account_enabled': true });
    if (scope === 'allGuests') return base().select(columns);
    if ('app' in scope) return base().join('app_assignments', 'app_assignments.principal_id', 'users.id').where({ 'app_assignments.app_id': scope.app, 'app_assignments.principal_type': 'User' }).select(columns);
    if ('group' in scope) return base().join('group_members', 'group_members.user_id', 'users.id').where({ 'group_members.group_id': scope.group }).select(columns);
    const all: Guest[] = await base().select(columns);
    const inPartner: Guest[] = [];
    for (const g of all) if ((await this.deps.homeTenants?.(g.id))?.includes(scope.partner)) inPartner.push(g);
    return inPartner;
  }

  private async reviewersOf(review: AccessReviewConfig, guestId: string): Promise<string[]> {
    const { db } = this.deps;
    const ids = new Set<string>();
    const scope = review.scope;
    for (const kind of review.reviewers) {
      let mails: string[] = [];
      if (kind === 'sponsors') for (const id of await db('user_sponsors').where({ user_id: guestId }).pluck('sponsor_id')) ids.add(id as string);
      else if (kind === 'groupOwners' && typeof scope === 'object' && 'group' in scope) for (const id of await db('group_owners').where({ group_id: scope.group }).pluck('user_id')) ids.add(id as string);
      else if (kind === 'appOwners') mails = this.deps.apps.find((a) => a.id === appOf(review))?.owners ?? [];
      else if (typeof kind === 'object') mails = kind.users;
      if (mails.length) for (const id of await db('users').whereIn('mail', mails).where({ account_enabled: true }).pluck('id')) ids.add(id as string);
    }
    ids.delete(guestId); // nobody reviews their own access
    return [...ids];
  }

  private async applyEnded(): Promise<number> {
    const { db, clock } = this.deps;
    const now = clock.now().toISOString();
    let applied = 0;
    const ended = await db('access_review_instances').where({ status: 'InProgress' }).where('ends_at', '<=', now);
    for (const instance of ended) {
      const review = this.deps.reviews.find((r) => r.id === instance.definition_id);
      // Not applied yet, or removed by a node that died before it ended the guest's sessions.
      const rows = await db('access_review_decisions')
        .where({ instance_id: instance.id })
        .andWhere((q) => q.whereNull('applied_at').orWhere((owed) => owed.where({ applied_result: 'removed' }).whereNull('sessions_ended_at')))
        .orderBy('id');
      for (const row of rows) if (await this.applyOne(instance, row, review?.defaultDecision ?? 'keep')) applied++;
      await db('access_review_instances').where({ id: instance.id, status: 'InProgress' }).update({ status: 'Completed' });
    }
    return applied;
  }

  /**
   * One decision, one transaction: the row marked applied and the removal through the directory's
   * services (AppAssignmentService.removeIn, UserLifecycle.disableIn: the same change, audit entry
   * and logout tokens as an administrator's) commit together. The sessions a removal owes end after
   * the commit, and the row then says so: a node killed in between leaves them owed, and the next
   * run (on any node) ends them. True when this call applied the decision.
   */
  private async applyOne(instance: { id: string; definition_id: string }, row: DecisionRow, fallback: AccessReviewConfig['defaultDecision']): Promise<boolean> {
    const { db, clock, assignments, appAssignments, lifecycle } = this.deps;
    const now = clock.now().toISOString();
    let appliedNow = false;
    if (!row.applied_at) {
      const outcome = row.decision ?? (fallback === 'recommendation' ? row.recommendation : fallback === 'remove' ? 'Deny' : 'Approve');
      const sessionsOwed = await db.transaction(async (trx): Promise<boolean | undefined> => {
        const claimed = await trx('access_review_decisions').where({ id: row.id }).whereNull('applied_at').update({ applied_at: now, applied_result: outcome === 'Deny' ? 'removed' : 'kept' });
        if (claimed !== 1) return undefined;
        let removed = false;
        if (outcome === 'Deny') {
          const details = { reason: 'accessReview', accessReviewId: instance.id, definitionId: instance.definition_id, decision: row.decision ?? `default (${fallback})`, reviewedBy: row.reviewed_by ?? null };
          if (row.app_id) {
            // Every role the guest holds in the app, each removal audited.
            for (const assignment of await assignments.listForPrincipal('User', row.principal_id, trx)) {
              if (assignment.appId === row.app_id && (await appAssignments.removeIn(trx, assignment, SYSTEM, details))) removed = true;
            }
          } else {
            removed = Boolean(await lifecycle.disableIn(trx, row.principal_id, SYSTEM, details));
          }
        }
        // Nothing removed (kept, or already gone): no sessions owed.
        if (!removed) await trx('access_review_decisions').where({ id: row.id }).update({ sessions_ended_at: now });
        return removed;
      });
      if (sessionsOwed === undefined) return false;
      appliedNow = true;
      if (!sessionsOwed) return true;
    }
    const endSessions = row.app_id ? appAssignments.afterRemoval({ principalType: 'User', principalId: row.principal_id, appId: row.app_id }) : lifecycle.afterDisable(row.principal_id, SYSTEM);
    await endSessions();
    await db('access_review_decisions').where({ id: row.id }).whereNull('sessions_ended_at').update({ sessions_ended_at: clock.now().toISOString() });
    return appliedNow;
  }
}

interface DecisionRow {
  id: string;
  principal_id: string;
  app_id: string | null;
  decision: string | null;
  recommendation: string;
  reviewed_by: string | null;
  applied_at: string | null;
}

const appOf = (review: AccessReviewConfig) => (typeof review.scope === 'object' && 'app' in review.scope ? review.scope.app : undefined);
