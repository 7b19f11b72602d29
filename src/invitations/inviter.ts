import type { InvitationsConfig } from '../config/invitations-schema.js';
import type { UserRole, UserType } from '../directory/user-model.js';

/** Who is inviting: a signed-in user, an app with User.Invite.All, or the operator's CLI. */
export type Inviter =
  | { type: 'user'; id: string; displayName: string; userType: UserType; roles: UserRole[]; ownsTarget?: boolean }
  | { type: 'app'; id: string; displayName: string }
  | { type: 'cli'; displayName: string };

/**
 * Entra's allowInvitesFrom. Apps are authorised by their User.Invite.All permission and the
 * operator's CLI always may; users depend on the setting and their role. Owners of an app or
 * group invite through delegated management, which counts like a guest inviter.
 */
export function mayInvite(inviter: Inviter, setting: InvitationsConfig['allowInvitesFrom']): boolean {
  if (inviter.type !== 'user') return true;
  if (setting === 'none') return false;
  const privileged = inviter.roles.includes('admin') || inviter.roles.includes('guestInviter') || inviter.ownsTarget === true;
  if (privileged) return true;
  if (setting === 'adminsGuestInvitersAndAllMembers') return inviter.userType === 'Member';
  return setting === 'everyone';
}

/** Only admins, apps and the CLI may invite someone as a Member rather than a Guest. */
export function mayInviteMembers(inviter: Inviter): boolean {
  return inviter.type !== 'user' || inviter.roles.includes('admin');
}

export function inviterId(inviter: Inviter): string | null {
  return inviter.type === 'cli' ? null : inviter.id;
}
