import { accountUsable } from '../directory/account-usable.js';
import type { JourneyDeps } from './journey-deps.js';

/**
 * Whether a code mailed to this address for signing in could lead anywhere: the address belongs to
 * an enabled user who has an invitation to redeem or an identity to sign in with (the passcode
 * itself, or an IdP the proven address is sent on to). Anyone else would be mailed a code that can
 * only end in "not invited" — a way for strangers to make Foyer mail arbitrary people. The caller
 * shows the same page either way, so the answer is never visible to the person asking.
 */
export async function passcodeLeadsSomewhere(deps: Pick<JourneyDeps, 'users' | 'identities' | 'invitations'>, email: string): Promise<boolean> {
  const user = await deps.users.findByEmail(email);
  if (!user || !accountUsable(user, deps.users.clock.now())) return false;
  if ((await deps.identities.listForUser(user.id)).length > 0) return true;
  if (user.externalUserState !== 'PendingAcceptance') return false;
  return Boolean((await deps.invitations.findPendingForUser(user.id))?.ticket_hash);
}
