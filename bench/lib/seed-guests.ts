/**
 * Many guests, fast: rows written straight into users, invitations, identities and user_sponsors
 * in batched multi-row INSERTs inside one transaction (100,000 guests in a few seconds on SQLite).
 * For the guest-table bench scenario and the console's table tests, which read them; nothing here
 * goes through the services, so it is never used for what a test then asserts was written.
 *
 * Guest i: `guest<i>@partner<i % domains>.example`, state by i % 10 (0 disabled, 1-2 pending,
 * 3 expired, 4 withdrawn, else accepted), a linked identity when accepted or disabled, a sponsor
 * for even i, an inviter by i % inviters, a last sign-in for two in three accepted guests.
 */
import { randomUUID } from 'node:crypto';
import type { Database } from '../../src/db/connect.js';

export type SeededState = 'pending' | 'expired' | 'accepted' | 'withdrawn' | 'disabled';

export interface SeededGuest {
  id: string;
  displayName: string;
  mail: string;
  domain: string;
  state: SeededState;
  createdAt: string;
  lastSignInAt: string | null;
  idp: string | null;
  sponsorId: string | null;
  invitedById: string;
}

export interface SeedOptions {
  count: number;
  /** Number of partnerN.example domains the guests spread over. */
  domains?: number;
  idps: string[];
  sponsorIds: string[];
  inviterIds: string[];
  /** The first guest's invitation time; each next one a minute later. */
  start?: Date;
  /** "Now" for open invitations: pending ones expire after it, expired ones before it. */
  now?: Date;
  /** Prefix of the local part (several seedings in one database). */
  prefix?: string;
  batch?: number;
}

const STATE_BY_REMAINDER: SeededState[] = ['disabled', 'pending', 'pending', 'expired', 'withdrawn', 'accepted', 'accepted', 'accepted', 'accepted', 'accepted'];

export function describeGuests(opts: SeedOptions): SeededGuest[] {
  const domains = opts.domains ?? 20;
  const start = (opts.start ?? new Date('2026-01-01T00:00:00.000Z')).getTime();
  const width = String(opts.count).length;
  const prefix = opts.prefix ?? 'guest';
  return Array.from({ length: opts.count }, (_, i) => {
    const state = STATE_BY_REMAINDER[i % 10]!;
    const n = String(i).padStart(width, '0');
    const domain = `partner${i % domains}.example`;
    const linked = state === 'accepted' || state === 'disabled';
    return {
      id: randomUUID(),
      displayName: `${prefix[0]!.toUpperCase()}${prefix.slice(1)} ${n}`,
      mail: `${prefix}${n}@${domain}`,
      domain,
      state,
      createdAt: new Date(start + i * 60_000).toISOString(),
      // Spread over the year, not in invitation order, so the sorts differ.
      lastSignInAt: linked && i % 3 !== 0 ? new Date(start + ((i * 7919) % 300) * 86_400_000 + i * 1000).toISOString() : null,
      idp: linked ? opts.idps[i % opts.idps.length]! : null,
      sponsorId: i % 2 === 0 && opts.sponsorIds.length ? opts.sponsorIds[(i / 2) % opts.sponsorIds.length]! : null,
      invitedById: opts.inviterIds[i % opts.inviterIds.length]!,
    };
  });
}

export async function seedGuests(db: Database, opts: SeedOptions): Promise<SeededGuest[]> {
  const guests = describeGuests(opts);
  const now = (opts.now ?? new Date()).getTime();
  const batch = opts.batch ?? 500;
  const day = 86_400_000;
  const expiresAt = (g: SeededGuest) => new Date(g.state === 'expired' ? now - day : now + 30 * day).toISOString();
  await db.transaction(async (trx) => {
    for (let at = 0; at < guests.length; at += batch) {
      const slice = guests.slice(at, at + batch);
      await trx('users').insert(
        slice.map((g) => ({
          id: g.id,
          user_type: 'Guest',
          mail: g.mail,
          mail_normalized: g.mail,
          display_name: g.displayName,
          account_enabled: g.state !== 'disabled',
          external_user_state: g.state === 'accepted' || g.state === 'disabled' ? 'Accepted' : 'PendingAcceptance',
          external_user_state_changed_at: g.createdAt,
          password_hash: null,
          roles: '[]',
          created_by: g.invitedById,
          created_at: g.createdAt,
          updated_at: g.createdAt,
          last_sign_in_at: g.lastSignInAt,
          // What the repositories keep on the row (migration 20261207_17_guest_filter_columns).
          open_invitation_expires_at: g.state === 'pending' || g.state === 'expired' ? expiresAt(g) : null,
          home_idp: g.idp,
          invited_by_id: g.invitedById,
        })),
      );
      await trx('invitations').insert(
        slice.map((g) => ({
          id: randomUUID(),
          user_id: g.id,
          invited_email: g.mail,
          invite_redirect_url: 'https://app.example/',
          ticket_hash: null,
          status: g.state === 'pending' || g.state === 'expired' ? 'PendingAcceptance' : g.state === 'withdrawn' ? 'Revoked' : 'Completed',
          invited_user_type: 'Guest',
          invited_by_type: 'user',
          invited_by_id: g.invitedById,
          invited_by_name: `Inviter ${opts.inviterIds.indexOf(g.invitedById)}`,
          expires_at: expiresAt(g),
          created_at: g.createdAt,
        })),
      );
      const linked = slice.filter((g) => g.idp);
      if (linked.length) {
        await trx('identities').insert(linked.map((g) => ({ id: randomUUID(), user_id: g.id, idp_id: g.idp, issuer: `https://${g.idp}.example/`, subject: g.id, email: g.mail, created_at: g.createdAt })));
      }
      const sponsored = slice.filter((g) => g.sponsorId);
      if (sponsored.length) await trx('user_sponsors').insert(sponsored.map((g) => ({ user_id: g.id, sponsor_id: g.sponsorId, created_at: g.createdAt })));
    }
  });
  return guests;
}
