import type { IdentitiesRepository, LinkedIdentity } from '../directory/identities-repository.js';
import type { User } from '../directory/user-model.js';
import type { UsersRepository } from '../directory/users-repository.js';

/**
 * How fine the directory's "last used" times are kept. A write that would move one by less than this
 * changes nothing anyone reads (the inactivity sweep counts days, the admin pages show minutes), so
 * a guest signing in to several apps in a row costs one write, not one per app.
 */
export const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * What a successful sign-in leaves in the directory: the user's last sign-in and the last use of the
 * identity it came through, each only when its stored time is older than the resolution. Written
 * together: one statement on PostgreSQL when both are due (UsersRepository.recordSignIn), and the
 * row that write answers is the node's copy of the user for the sign-in's next request.
 */
export async function recordSignInTimes(deps: { users: UsersRepository; identities: IdentitiesRepository }, user: User, identity?: Pick<LinkedIdentity, 'id' | 'lastUsedDateTime'>, now = Date.now()): Promise<void> {
  const identityDue = identity && isStale(identity.lastUsedDateTime, now) ? identity.id : undefined;
  if (isStale(user.lastSignInDateTime, now)) await deps.users.recordSignIn(user.id, { identityId: identityDue });
  else if (identityDue) await deps.identities.touch(identityDue);
}

function isStale(iso: string | null | undefined, now: number): boolean {
  const at = iso ? Date.parse(iso) : NaN;
  // A time in the future (a clock set back) is written over, as a missing one is.
  return !(Math.abs(now - at) < LAST_USED_RESOLUTION_MS);
}
