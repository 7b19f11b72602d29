import { randomUUID } from 'node:crypto';
import type { Database } from '../db/connect.js';

/** Why an app is told the user signed out (kept on the row, for operators). */
export type LogoutReason = 'signOut' | 'disabled' | 'deleted' | 'leftOrganization' | 'sessionsRevoked';

/** One app session to tell about: the app, the user (the logout token's `sub`) and the session id (`sid`). */
export interface EndedAppSession {
  clientId: string;
  accountId: string;
  sid?: string;
}

export interface LogoutDelivery extends EndedAppSession {
  id: string;
  reason: LogoutReason;
  attempts: number;
  nextAttemptAt: string;
}

interface Row {
  id: string;
  client_id: string;
  account_id: string;
  sid: string | null;
  reason: LogoutReason;
  attempts: number;
  next_attempt_at: string;
  last_error: string | null;
  created_at: string;
  given_up_at: string | null;
  delivered_at: string | null;
}

/** How long a node that took a delivery has it to itself; longer than the 2.5 s oidc-provider allows one POST. */
const CLAIM_SECONDS = 60;
/** 30 s, 1, 2, 4, … minutes, at most an hour apart; twelve tries cover about six hours of an app being down. */
export const MAX_ATTEMPTS = 12;
export function retryDelaySeconds(attempts: number): number {
  return Math.min(3600, 30 * 2 ** Math.max(0, attempts - 1));
}

const KEEP_DELIVERED_SECONDS = 24 * 3600;

const iso = (at: Date, plusSeconds = 0) => new Date(at.getTime() + plusSeconds * 1000).toISOString();

/**
 * The durable queue of back-channel logout deliveries (table logout_deliveries). The server and
 * the CLI both add to it (disabling a user from the terminal is heard by apps too); the server's
 * scheduler delivers (logout-delivery.ts). Several nodes may run the job: a row is claimed with a
 * conditional update, so each delivery is attempted by one node at a time.
 */
export class LogoutQueue {
  constructor(private readonly db: Database) {}

  async enqueue(sessions: EndedAppSession[], reason: LogoutReason, now = new Date(), trx: Database = this.db): Promise<void> {
    if (sessions.length === 0) return;
    const rows: Row[] = sessions.map((s) => ({
      id: randomUUID(),
      client_id: s.clientId,
      account_id: s.accountId,
      sid: s.sid ?? null,
      reason,
      attempts: 0,
      next_attempt_at: iso(now),
      last_error: null,
      created_at: iso(now),
      given_up_at: null,
      delivered_at: null,
    }));
    await trx('logout_deliveries').insert(rows);
  }

  /** A delivery that already failed once (oidc-provider's own attempt at sign-out): first retry after the backoff. */
  async enqueueRetry(session: EndedAppSession, reason: LogoutReason, error: string, now = new Date()): Promise<void> {
    await this.db('logout_deliveries').insert({
      id: randomUUID(),
      client_id: session.clientId,
      account_id: session.accountId,
      sid: session.sid ?? null,
      reason,
      attempts: 1,
      next_attempt_at: iso(now, retryDelaySeconds(1)),
      last_error: error.slice(0, 512),
      created_at: iso(now),
      given_up_at: null,
      delivered_at: null,
    } satisfies Row);
  }

  /** Due deliveries, each claimed for this caller (others skip it until the claim lapses). */
  async claimDue(now: Date, limit = 50): Promise<LogoutDelivery[]> {
    const due: Row[] = await this.db<Row>('logout_deliveries').whereNull('delivered_at').whereNull('given_up_at').andWhere('next_attempt_at', '<=', iso(now)).orderBy('next_attempt_at').limit(limit);
    const claimed: LogoutDelivery[] = [];
    for (const row of due) {
      const won = await this.db('logout_deliveries').where({ id: row.id, next_attempt_at: row.next_attempt_at }).update({ next_attempt_at: iso(now, CLAIM_SECONDS) });
      if (won === 1) claimed.push({ id: row.id, clientId: row.client_id, accountId: row.account_id, sid: row.sid ?? undefined, reason: row.reason, attempts: row.attempts, nextAttemptAt: row.next_attempt_at });
    }
    return claimed;
  }

  async delivered(id: string, now: Date): Promise<void> {
    await this.db('logout_deliveries').where({ id }).update({ delivered_at: iso(now), last_error: null });
  }

  /** Forgets deliveries that went out more than a day before `now`. */
  async purgeDelivered(now: Date): Promise<void> {
    await this.db('logout_deliveries').whereNotNull('delivered_at').andWhere('delivered_at', '<', iso(now, -KEEP_DELIVERED_SECONDS)).delete();
  }

  /** Records a failed attempt; answers whether it was the last one. */
  async failed(delivery: LogoutDelivery, error: string, now: Date): Promise<{ gaveUp: boolean }> {
    const attempts = delivery.attempts + 1;
    const gaveUp = attempts >= MAX_ATTEMPTS;
    await this.db('logout_deliveries')
      .where({ id: delivery.id })
      .update({ attempts, last_error: error.slice(0, 512), next_attempt_at: iso(now, retryDelaySeconds(attempts)), given_up_at: gaveUp ? iso(now) : null });
    return { gaveUp };
  }

  /** The app is no longer in config (or no longer has a logout URI): nobody to tell. */
  async drop(id: string): Promise<void> {
    await this.db('logout_deliveries').where({ id }).delete();
  }

  /** Deliveries not yet made (waiting or being retried), and those given up on. */
  async counts(): Promise<{ pending: number; givenUp: number }> {
    const rows: { given_up: number | string; n: number | string }[] = await this.db('logout_deliveries')
      .whereNull('delivered_at')
      .select(this.db.raw('CASE WHEN given_up_at IS NULL THEN 0 ELSE 1 END AS given_up'))
      .count({ n: '*' })
      .groupByRaw('CASE WHEN given_up_at IS NULL THEN 0 ELSE 1 END');
    const of = (flag: number) => Number(rows.find((r) => Number(r.given_up) === flag)?.n ?? 0);
    return { pending: of(0), givenUp: of(1) };
  }
}
