import type { AuditLog } from '../audit/audit-log.js';
import type { LifecycleConfig } from '../config/lifecycle-schema.js';
import type { Database } from '../db/connect.js';
import type { Sponsors } from '../directory/sponsors.js';
import type { AfterCommit, UserLifecycle } from '../directory/user-lifecycle.js';
import { DAY_MS, type Clock } from '../lib/clock.js';
import type { Logger } from '../logging/logger.js';
import type { LifecycleMail } from './lifecycle-mail.js';
import { writeUsers } from '../directory/user-writes.js';

export type InactivityAction = 'notify' | 'disable' | 'delete' | 'deletePending';

export interface InactivityItem {
  action: InactivityAction;
  userId: string;
  mail: string;
  /** The last sign-in, else redemption, else invitation. */
  lastActivity: string;
  /** When the disable happens (notify), or the threshold that was passed. */
  at: string;
}

interface GuestRow {
  id: string;
  mail: string;
  display_name: string;
  account_enabled: boolean | number;
  external_user_state: string | null;
  external_user_state_changed_at: string | null;
  last_sign_in_at: string | null;
  created_at: string;
  inactivity_notified_at: string | null;
}

const lastActivity = (g: GuestRow) => g.last_sign_in_at ?? g.external_user_state_changed_at ?? g.created_at;
const before = (clock: Clock, days: number) => new Date(clock.now().getTime() - days * DAY_MS).toISOString();

/**
 * What the inactivity sweep would do now (also `foyer lifecycle plan`): guests whose last activity
 * is old enough to be told, disabled or deleted, and pending guests who never redeemed.
 */
export async function inactivityDue(db: Database, clock: Clock, settings: Pick<LifecycleConfig, 'inactiveGuests' | 'pendingInvitations'>): Promise<InactivityItem[]> {
  const items: InactivityItem[] = [];
  const inactive = settings.inactiveGuests;
  if (inactive) {
    // Accepted guests only; the oldest possible activity is what bounds the query.
    const bound = before(clock, Math.min(inactive.disableAfterDays ?? Infinity, inactive.deleteAfterDays ?? Infinity) - (inactive.disableAfterDays !== undefined ? inactive.notifyDaysBefore : 0));
    const rows: GuestRow[] = await db('users').where({ user_type: 'Guest', external_user_state: 'Accepted' }).whereRaw('coalesce(last_sign_in_at, external_user_state_changed_at, created_at) <= ?', [bound]);
    for (const g of rows) {
      const last = lastActivity(g);
      const enabled = Boolean(g.account_enabled);
      const at = (days: number) => new Date(Date.parse(last) + days * DAY_MS).toISOString();
      if (inactive.deleteAfterDays !== undefined && last <= before(clock, inactive.deleteAfterDays)) items.push({ action: 'delete', userId: g.id, mail: g.mail, lastActivity: last, at: at(inactive.deleteAfterDays) });
      else if (inactive.disableAfterDays !== undefined && enabled && last <= before(clock, inactive.disableAfterDays)) items.push({ action: 'disable', userId: g.id, mail: g.mail, lastActivity: last, at: at(inactive.disableAfterDays) });
      else if (inactive.disableAfterDays !== undefined && enabled && last <= before(clock, inactive.disableAfterDays - inactive.notifyDaysBefore) && !(g.inactivity_notified_at && g.inactivity_notified_at >= last)) {
        items.push({ action: 'notify', userId: g.id, mail: g.mail, lastActivity: last, at: at(inactive.disableAfterDays) });
      }
    }
  }
  if (settings.pendingInvitations) {
    const rows: GuestRow[] = await db('users').where({ user_type: 'Guest', external_user_state: 'PendingAcceptance' }).whereNull('last_sign_in_at').where('created_at', '<=', before(clock, settings.pendingInvitations.deleteAfterDays));
    for (const g of rows) items.push({ action: 'deletePending', userId: g.id, mail: g.mail, lastActivity: g.created_at, at: new Date(Date.parse(g.created_at) + settings.pendingInvitations.deleteAfterDays * DAY_MS).toISOString() });
  }
  return items;
}

const SYSTEM = { type: 'system' as const };

/**
 * The inactivity sweep (a deployment-wide job): sponsors told before the disable, then the guest
 * disabled (signed out everywhere), later deleted, through UserLifecycle as for an administrator;
 * invitations never redeemed cleaned up. Each
 * guest is one transaction that re-checks the guest's last activity inside it, so a guest who signs
 * in while the sweep runs is left alone, and a run cut short leaves whole changes only.
 */
export class InactivitySweep {
  constructor(
    private readonly deps: { db: Database; clock: Clock; settings: Pick<LifecycleConfig, 'inactiveGuests' | 'pendingInvitations'>; audit: AuditLog; sponsors: Sponsors; lifecycle: Pick<UserLifecycle, 'disableIn' | 'deleteIn'>; mail: LifecycleMail; tenantName: string; logger: Logger },
  ) {}

  async run(): Promise<Record<InactivityAction, number>> {
    const done: Record<InactivityAction, number> = { notify: 0, disable: 0, delete: 0, deletePending: 0 };
    for (const item of await inactivityDue(this.deps.db, this.deps.clock, this.deps.settings)) if (await this.apply(item)) done[item.action]++;
    return done;
  }

  private async apply(item: InactivityItem): Promise<boolean> {
    const { db, clock, audit, sponsors, lifecycle } = this.deps;
    const now = clock.now().toISOString();
    const outcome = await db.transaction(async (trx): Promise<{ row: GuestRow; who: Awaited<ReturnType<Sponsors['list']>>; afterCommit?: AfterCommit } | undefined> => {
      const row = (await trx('users').where({ id: item.userId }).first()) as GuestRow | undefined;
      // Still the same guest, with no activity since the plan was made.
      if (!row || lastActivity(row) !== item.lastActivity) return undefined;
      const details = { reason: item.action === 'deletePending' ? 'neverRedeemed' : 'inactive', lastActivity: item.lastActivity };
      if (item.action === 'notify') {
        await writeUsers(trx, item.userId, (users) => users.where({ id: item.userId }).update({ inactivity_notified_at: now }));
        const who = (await sponsors.list(item.userId, trx)).filter((s) => s.accountEnabled);
        await audit.record({ category: 'UserManagement', activity: 'Notify of inactivity', result: 'success', actor: SYSTEM, target: { type: 'User', id: item.userId }, details: { ...details, disableOn: item.at, sponsorsNotified: who.map((s) => s.id) } }, trx);
        return { row, who };
      }
      // Through the directory's services: the same change, audit entry and logout tokens as an administrator's.
      if (item.action === 'disable') return { row, who: [], afterCommit: await lifecycle.disableIn(trx, item.userId, SYSTEM, details) };
      return { row, who: [], afterCommit: await lifecycle.deleteIn(trx, item.userId, SYSTEM, details) };
    });
    if (!outcome) return false;
    if (item.action === 'notify') {
      for (const sponsor of outcome.who) {
        await this.deps.mail.send(sponsor.mail, 'sponsorInactive', { tenant: this.deps.tenantName, guest: outcome.row.display_name, guestMail: outcome.row.mail, lastSeen: item.lastActivity, disableOn: item.at }, sponsor.preferredLanguage);
      }
      return true;
    }
    if (!outcome.afterCommit) return false;
    await outcome.afterCommit();
    return true;
  }
}
