import type { User } from '../directory/user-model.js';
import type { InvitationRow } from '../invitations/invitation-model.js';
import type { Database } from '../db/connect.js';
import { accessEnded } from '../directory/account-usable.js';

/** What the owner and admin pages say about a guest's access. */
export type GuestState = 'pending' | 'expired' | 'accepted' | 'withdrawn' | 'accessEnded' | 'disabled';

export const STATE_LABEL: Record<GuestState, string> = {
  pending: 'Invitation pending',
  expired: 'Invitation expired',
  accepted: 'Accepted',
  withdrawn: 'No open invitation',
  accessEnded: 'Access ended',
  disabled: 'Disabled',
};

/** The same states as catalog keys (locales/), for pages in the reader's language. */
export const STATE_LABEL_KEY: Record<GuestState, string> = {
  pending: 'guestState.pending',
  expired: 'guestState.expired',
  accepted: 'guestState.accepted',
  withdrawn: 'guestState.withdrawn',
  accessEnded: 'guestState.accessEnded',
  disabled: 'guestState.disabled',
};

export interface GuestSummary {
  user: User;
  state: GuestState;
  stateLabel: string;
  /** The open invitation, if any: what resend and revoke act on. */
  pendingInvitationId: string | null;
  invitedBy: string | null;
  invitedAt: string | null;
  /** The identity providers the guest has signed in with. */
  idps: string[];
  /** The inviteRedirectUrl of the latest invitation (a reset sends the guest back there). */
  lastRedirectUrl: string | null;
}

/**
 * Summaries for many users at once: one query for invitations and one for identities. `now` is the
 * shared clock's instant: a guest whose access end has passed reads as accessEnded at once, not
 * only once the expiry sweep has disabled them.
 */
export async function summarizeGuests(db: Database, users: User[], at: Date): Promise<GuestSummary[]> {
  if (users.length === 0) return [];
  const ids = users.map((u) => u.id);
  const invitations: InvitationRow[] = await db<InvitationRow>('invitations').whereIn('user_id', ids).orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id' }]);
  const latest = new Map<string, InvitationRow>();
  const pending = new Map<string, InvitationRow>();
  for (const row of invitations) {
    if (!latest.has(row.user_id)) latest.set(row.user_id, row);
    if (row.status === 'PendingAcceptance' && !pending.has(row.user_id)) pending.set(row.user_id, row);
  }
  const idpRows: { user_id: string; idp_id: string }[] = await db('identities').whereIn('user_id', ids).select('user_id', 'idp_id');
  const now = at.toISOString();
  return users.map((user) => {
    const open = pending.get(user.id);
    const last = latest.get(user.id);
    const state: GuestState = !user.accountEnabled
      ? 'disabled'
      : accessEnded(user, at)
        ? 'accessEnded'
        : user.externalUserState === 'Accepted'
        ? 'accepted'
        : open
          ? open.expires_at <= now
            ? 'expired'
            : 'pending'
          : 'withdrawn';
    return {
      user,
      state,
      stateLabel: STATE_LABEL[state],
      pendingInvitationId: open?.id ?? null,
      invitedBy: last?.invited_by_name ?? null,
      invitedAt: last?.created_at ?? null,
      idps: [...new Set(idpRows.filter((r) => r.user_id === user.id).map((r) => r.idp_id))],
      lastRedirectUrl: last?.invite_redirect_url ?? null,
    };
  });
}
