import type { InvitationsConfig } from '../config/invitations-schema.js';
import type { UserRole, UserType } from '../directory/user-model.js';

/**
 * Who is inviting: a signed-in user, an app with User.Invite.All, or the operator's CLI.
 *
 * `scopes` (a user) and `permissions` (an app) are the directory permissions the credential
 * carries besides inviting: a user token's scopes, an app's configured permissions. Only account
 * recovery reads them; an inviter built without them can invite and nothing more.
 */
export type Inviter =
  | { type: 'user'; id: string; displayName: string; userType: UserType; roles: UserRole[]; ownsTarget?: boolean; scopes?: ReadonlySet<string> }
  | { type: 'app'; id: string; displayName: string; permissions?: ReadonlySet<string> }
  | { type: 'cli'; displayName: string };

/**
 * Entra's allowInvitesFrom. Apps are authorised by their User.Invite.All permission and the
 * operator's CLI always may; users depend on the setting and their role. Owners of an app or
 * group invite through delegated management, which counts like a guest inviter.
 */
export function mayInvite(inviter: Inviter, setting: InvitationsConfig['allowInvitesFrom']): boolean {
  if (inviter.type !== 'user') return true;
  if (setting === 'none') return false;
  const privileged = inviter.roles.includes('admin') || inviter.roles.includes('userAdministrator') || inviter.roles.includes('guestInviter') || inviter.ownsTarget === true;
  if (privileged) return true;
  if (setting === 'adminsGuestInvitersAndAllMembers') return inviter.userType === 'Member';
  return setting === 'everyone';
}

/**
 * Which existing invitations an inviter may read, resend or revoke (an invitation names the guest's
 * address, the inviter's message, and a resend mails the guest a new link):
 * - `all`: the CLI, apps (User.Invite.All), admins, and an owner acting on a guest of what they own
 *   (delegated management checks that ownership before it calls);
 * - `own`: anyone else whom allowInvitesFrom lets invite: the invitations they sent;
 * - `none`: a user who may not invite at all.
 */
export type InvitationReach = 'all' | 'own' | 'none';

export function invitationReach(inviter: Inviter, setting: InvitationsConfig['allowInvitesFrom']): InvitationReach {
  if (inviter.type !== 'user' || inviter.roles.includes('admin') || inviter.ownsTarget === true) return 'all';
  return mayInvite(inviter, setting) ? 'own' : 'none';
}

/** Only admins, apps and the CLI may invite someone as a Member rather than a Guest. */
export function mayInviteMembers(inviter: Inviter): boolean {
  return inviter.type !== 'user' || inviter.roles.includes('admin');
}

/**
 * How far an inviter may go in resetting a guest's redemption:
 * - `anyAddress`: reset, and send the new invitation to another address (the CLI; an admin whose
 *   credential carries User.ReadWrite.All: the token's scope, or the admin pages);
 * - `sameAddress`: reset, but only to the address the guest already has (an app with
 *   User.ReadWrite.All): whoever redeems must still prove that address;
 * - `none`: everyone else, whatever they may invite. Owners acting as owners never reset.
 */
export type RecoveryRight = 'anyAddress' | 'sameAddress' | 'none';

const RECOVERY_PERMISSION = 'User.ReadWrite.All';

export function recoveryRight(inviter: Inviter): RecoveryRight {
  if (inviter.type === 'cli') return 'anyAddress';
  if (inviter.type === 'app') return inviter.permissions?.has(RECOVERY_PERMISSION) ? 'sameAddress' : 'none';
  if (inviter.ownsTarget || !inviter.roles.includes('admin')) return 'none';
  return inviter.scopes?.has(RECOVERY_PERMISSION) ? 'anyAddress' : 'none';
}

export function inviterId(inviter: Inviter): string | null {
  return inviter.type === 'cli' ? null : inviter.id;
}
