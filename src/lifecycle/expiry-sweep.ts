import type { AuditLog } from '../audit/audit-log.js';
import type { AppConfig } from '../config/apps-schema.js';
import type { LifecycleConfig } from '../config/lifecycle-schema.js';
import { InvitationsRepository } from '../invitations/invitations-repository.js';
import type { Database } from '../db/connect.js';
import type { AppAssignmentService } from '../directory/app-assignment-service.js';
import type { AssignmentsRepository } from '../directory/assignments-repository.js';
import type { Sponsors } from '../directory/sponsors.js';
import type { UserLifecycle } from '../directory/user-lifecycle.js';
import type { Logger } from '../logging/logger.js';
import { DAY_MS, type Clock } from '../lib/clock.js';
import type { ExtensionKind, ExtensionLinks } from './extension-links.js';
import type { LifecycleMail } from './lifecycle-mail.js';
import type { Knex } from 'knex';
import { writeUsers } from '../directory/user-writes.js';

export interface ExpirySweepDeps {
  db: Database;
  clock: Clock;
  settings: LifecycleConfig['expiry'];
  apps: AppConfig[];
  audit: AuditLog;
  sponsors: Sponsors;
  links: ExtensionLinks;
  assignments: Pick<AssignmentsRepository, 'findById'>;
  appAssignments: Pick<AppAssignmentService, 'removeIn'>;
  lifecycle: Pick<UserLifecycle, 'disableIn'>;
  mail: LifecycleMail;
  issuer: string;
  tenantName: string;
  logger: Logger;
}

/** What the expiry sweep would do now: notices due (inside the notice window, not sent yet) and ends passed. Also `foyer lifecycle plan`. */
export async function expiryDue(db: Database, clock: Clock, settings: LifecycleConfig['expiry']): Promise<{ notices: Ending[]; ends: Ending[] }> {
  const now = clock.now();
  const [from, until] = [now.toISOString(), new Date(now.getTime() + settings.noticeDays * DAY_MS).toISOString()];
  const noticeAssignments = await db('app_assignments').where({ principal_type: 'User' }).whereNull('expiry_notified_at').where('expires_at', '>', from).where('expires_at', '<=', until);
  const noticeUsers = await db('users').where({ account_enabled: true }).whereNull('expiry_notified_at').where('access_expires_at', '>', from).where('access_expires_at', '<=', until);
  const endedAssignments = await db('app_assignments').where('expires_at', '<=', from);
  const endedUsers = await db('users').where({ account_enabled: true }).where('access_expires_at', '<=', from);
  return {
    notices: [...noticeAssignments.map(assignmentEnding), ...noticeUsers.map(userEnding)],
    ends: [...endedAssignments.map(assignmentEnding), ...endedUsers.map(userEnding)],
  };
}

/** An access that ends: an assignment of a user to an app, or a guest's whole access (set at invitation). */
export interface Ending {
  kind: ExtensionKind;
  id: string;
  userId: string;
  appId?: string;
  endsAt: string;
}

const SYSTEM = { type: 'system' as const };

/**
 * The expiry sweep, run once across the deployment (a job with a lease): first the notices (each
 * sponsor gets a one-click extend link, the guest a notice, each in their preferredLanguage), then the ends (the assignment removed
 * and the app's refresh tokens revoked, or the guest disabled and signed out everywhere, through
 * AppAssignmentService.removeIn and UserLifecycle.disableIn as for an administrator). Every
 * item is its own transaction that re-checks the row (a notice is marked sent, an end applied, only
 * if no other run did it first), so a run killed half-way leaves whole items only.
 */
export class ExpirySweep {
  constructor(private readonly deps: ExpirySweepDeps) {}

  async run(): Promise<{ notified: number; ended: number }> {
    let notified = 0;
    let ended = 0;
    for (const item of await this.dueForNotice()) if (await this.notice(item)) notified++;
    for (const item of await this.ended()) if (await this.end(item)) ended++;
    return { notified, ended };
  }

  private dueForNotice(): Promise<Ending[]> {
    return expiryDue(this.deps.db, this.deps.clock, this.deps.settings).then((d) => d.notices);
  }

  private ended(): Promise<Ending[]> {
    return expiryDue(this.deps.db, this.deps.clock, this.deps.settings).then((d) => d.ends);
  }

  private async notice(item: Ending): Promise<boolean> {
    const { db, clock, sponsors, links, audit } = this.deps;
    const sent = await db.transaction(async (trx) => {
      const endColumn = item.kind === 'assignment' ? 'expires_at' : 'access_expires_at';
      const claim = (rows: Knex.QueryBuilder) => rows.where({ id: item.id, [endColumn]: item.endsAt }).whereNull('expiry_notified_at').update({ expiry_notified_at: clock.now().toISOString() });
      const claimed = item.kind === 'assignment' ? await claim(trx('app_assignments')) : await writeUsers(trx, item.id, claim);
      if (claimed !== 1) return undefined;
      const guest = await sponsors.userById(item.userId, trx);
      if (!guest) return undefined;
      const who = await sponsors.list(item.userId, trx);
      const tokens = [];
      for (const sponsor of who.filter((s) => s.accountEnabled)) tokens.push({ sponsor, token: await links.issue(item.kind, item.id, sponsor.id, item.endsAt, trx) });
      await audit.record(
        { category: 'UserManagement', activity: 'Notify of access expiry', result: 'success', actor: SYSTEM, target: { type: 'User', id: item.userId }, details: { kind: item.kind, appId: item.appId, endsAt: item.endsAt, sponsorsNotified: tokens.map((t) => t.sponsor.id) } },
        trx,
      );
      return { guest, tokens, sponsorNames: who.map((s) => `${s.displayName} (${s.mail})`).join(', ') };
    });
    if (!sent) return false;
    const what = this.what(item);
    for (const { sponsor, token } of sent.tokens) {
      const data = {
        tenant: this.deps.tenantName,
        guest: sent.guest.displayName,
        guestMail: sent.guest.mail,
        what,
        endsOn: item.endsAt,
        extendUrl: `${this.deps.issuer}/myapps/extend?t=${token}`,
        extendDays: this.deps.settings.extendDays,
        linkDays: this.deps.settings.linkValidDays,
      };
      await this.deps.mail.send(sponsor.mail, 'sponsorExpiry', data, sponsor.preferredLanguage);
    }
    // A guest who has no preferredLanguage yet (invited before Foyer kept one) hears the language of their latest invitation.
    const guestLanguage = sent.guest.preferredLanguage ?? (await new InvitationsRepository(this.deps.db).messageLanguageOf(sent.guest.id));
    await this.deps.mail.send(sent.guest.mail, 'guestExpiry', { tenant: this.deps.tenantName, what, endsOn: item.endsAt, sponsors: sent.sponsorNames }, guestLanguage);
    return true;
  }

  /**
   * Ends one item through the directory's services (the same change, audit entry and logout tokens
   * as an administrator's), inside a transaction that re-checks it has ended and is still there.
   */
  private async end(item: Ending): Promise<boolean> {
    const { db, clock, assignments, appAssignments, lifecycle } = this.deps;
    const now = clock.now().toISOString();
    const afterCommit = await db.transaction(async (trx) => {
      if (item.kind === 'assignment') {
        const assignment = await assignments.findById(item.id, trx);
        if (!assignment?.expirationDateTime || assignment.expirationDateTime > now) return undefined;
        return appAssignments.removeIn(trx, assignment, SYSTEM, { reason: 'expired', expirationDateTime: assignment.expirationDateTime });
      }
      const due = await trx('users').where({ id: item.id, account_enabled: true }).where('access_expires_at', '<=', now).first('id');
      return due ? lifecycle.disableIn(trx, item.id, SYSTEM, { reason: 'accessExpired', accessExpirationDateTime: item.endsAt }) : undefined;
    });
    if (!afterCommit) return false;
    await afterCommit();
    return true;
  }

  /** The app that ends, or null for the whole guest account (the mail says "every app of …" in its language). */
  private what(item: Ending): string | null {
    if (item.kind === 'user') return null;
    return this.deps.apps.find((a) => a.id === item.appId)?.displayName ?? item.appId!;
  }
}

const assignmentEnding = (r: { id: string; principal_type: string; principal_id: string; app_id: string; expires_at: string }): Ending => ({
  kind: 'assignment',
  id: r.id,
  // A group's assignment ends for the group; the members' grants go at their next sign-in check.
  userId: r.principal_type === 'User' ? r.principal_id : '',
  appId: r.app_id,
  endsAt: r.expires_at,
});

const userEnding = (r: { id: string; access_expires_at: string }): Ending => ({ kind: 'user', id: r.id, userId: r.id, endsAt: r.access_expires_at });
