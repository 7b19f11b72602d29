import type { Database } from '../../db/connect.js';
import type { User } from '../../directory/user-model.js';
import type { PartnerDirectory } from '../../partners/partner-directory.js';
import { summarizeGuests, type GuestState } from '../../portal/guest-summary.js';

/** One guest as the table and the CSV export show them. */
export interface GuestRow {
  id: string;
  displayName: string;
  mail: string;
  state: GuestState;
  stateLabel: string;
  partner: string;
  idps: string[];
  lastSignIn: string | null;
  invitedAt: string;
  invitedBy: string;
  enabled: boolean;
  pendingInvitationId: string | null;
  accepted: boolean;
}

/** Names for the rows of one page: invitations and identities in one query each (guest-summary.ts). */
export async function guestRows(db: Database, users: User[], names: { idps: Map<string, string>; partners: PartnerDirectory }, now: Date): Promise<GuestRow[]> {
  return (await summarizeGuests(db, users, now)).map((g) => {
    const partner = names.partners.byEmail(g.user.mail) ?? g.idps.map((id) => names.partners.byIdp(id)).find(Boolean);
    return {
      id: g.user.id,
      displayName: g.user.displayName,
      mail: g.user.mail,
      state: g.state,
      stateLabel: g.stateLabel,
      partner: partner?.displayName ?? '',
      idps: g.idps.map((id) => names.idps.get(id) ?? id),
      lastSignIn: g.user.lastSignInDateTime,
      invitedAt: g.invitedAt ?? g.user.createdDateTime,
      invitedBy: g.invitedBy ?? '',
      enabled: g.user.accountEnabled,
      pendingInvitationId: g.pendingInvitationId,
      accepted: g.user.externalUserState === 'Accepted',
    };
  });
}

/** "2026-12-07 15:04 UTC", or the fallback for no date. */
export function shortTime(iso: string | null, none = 'Never'): string {
  return iso ? `${iso.slice(0, 16).replace('T', ' ')} UTC` : none;
}
