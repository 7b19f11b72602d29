import type { UserType } from '../directory/user-model.js';

export type InvitationStatus = 'PendingAcceptance' | 'Completed' | 'Revoked' | 'Superseded';

export interface InvitationRow {
  id: string;
  user_id: string;
  invited_email: string;
  invite_redirect_url: string;
  ticket_hash: string | null;
  status: InvitationStatus;
  invited_user_type: UserType;
  invited_by_type: 'user' | 'app' | 'cli';
  invited_by_id: string | null;
  invited_by_name: string | null;
  message_body: string | null;
  cc_recipients: string;
  message_language: string | null;
  send_invitation_message: boolean | number;
  sent_count: number;
  last_sent_at: string | null;
  expires_at: string;
  created_at: string;
  redeemed_at: string | null;
  revoked_at: string | null;
}

/** The invitation as Graph shapes it, plus Foyer's lifecycle fields (documented deviations). */
export interface GraphInvitation {
  id: string;
  invitedUserEmailAddress: string;
  invitedUserDisplayName: string;
  invitedUserType: UserType;
  inviteRedirectUrl: string;
  /** Only returned when a ticket is issued (create, resend, reset): Foyer stores just its hash. */
  inviteRedeemUrl: string | null;
  sendInvitationMessage: boolean;
  invitedUserMessageInfo: { customizedMessageBody: string | null; ccRecipients: { emailAddress: { address: string } }[]; messageLanguage: string | null };
  invitedUser: { id: string };
  resetRedemption: boolean;
  status: InvitationStatus;
  expirationDateTime: string;
  createdDateTime: string;
  redeemedDateTime: string | null;
  invitedBy: { type: string; id: string | null; displayName: string | null };
}

export function toGraphInvitation(row: InvitationRow, displayName: string, opts: { redeemUrl?: string; resetRedemption?: boolean } = {}): GraphInvitation {
  const cc = JSON.parse(row.cc_recipients) as string[];
  return {
    id: row.id,
    invitedUserEmailAddress: row.invited_email,
    invitedUserDisplayName: displayName,
    invitedUserType: row.invited_user_type,
    inviteRedirectUrl: row.invite_redirect_url,
    inviteRedeemUrl: opts.redeemUrl ?? null,
    sendInvitationMessage: Boolean(row.send_invitation_message),
    invitedUserMessageInfo: {
      customizedMessageBody: row.message_body,
      ccRecipients: cc.map((address) => ({ emailAddress: { address } })),
      messageLanguage: row.message_language,
    },
    invitedUser: { id: row.user_id },
    resetRedemption: opts.resetRedemption ?? false,
    status: row.status,
    expirationDateTime: row.expires_at,
    createdDateTime: row.created_at,
    redeemedDateTime: row.redeemed_at,
    invitedBy: { type: row.invited_by_type, id: row.invited_by_id, displayName: row.invited_by_name },
  };
}
