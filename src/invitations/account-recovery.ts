import type { Database } from '../db/connect.js';
import type { IdentitiesRepository } from '../directory/identities-repository.js';
import { normalizeEmail, type User } from '../directory/user-model.js';
import type { UsersRepository } from '../directory/users-repository.js';
import { HttpError } from '../http/http-error.js';
import { createThrottle } from '../http/throttle.js';
import { nowIso } from '../lib/clock.js';
import { MfaService } from '../mfa/mfa-service.js';
import { recoveryRight, type Inviter, type RecoveryRight } from './inviter.js';
import { writeUsers } from '../directory/user-writes.js';

/**
 * Resetting a guest's redemption is account recovery: whoever redeems the new invitation becomes
 * this user, with its id, groups, assignments and roles. DESIGN.md makes it an administrator's
 * action; this file is where that is decided, for every caller (API, CLI, admin page), and what a
 * reset takes away from the old owner of the account.
 */

/** What a reset changed, for the audit log. */
export interface RecoveryOutcome {
  previousAddress: string;
  newAddress: string;
  previousState: string | null;
  identitiesRemoved: number;
  mfaReset: boolean;
}

/** Refuses an inviter who may not reset at all, before anything about the target is looked up. */
export function requireRecoveryRight(inviter: Inviter): RecoveryRight {
  const right = recoveryRight(inviter);
  if (right === 'none') {
    throw new HttpError(
      403,
      'accountRecoveryNotAllowed',
      'Resetting redemption is account recovery: only an administrator (a token with User.ReadWrite.All for an admin, or the CLI) or an app with User.ReadWrite.All may do it. Permission to invite is not enough.',
    );
  }
  return right;
}

/**
 * The reset's writes, inside the caller's transaction: the address (if it changes and the right
 * allows it), the linked identities and MFA factors go, and the user is pending again. Sessions
 * and refresh tokens are the caller's to revoke after the commit.
 */
export async function recoverAccount(
  deps: { users: UsersRepository; identities: IdentitiesRepository },
  target: { userId: string; address: string; right: RecoveryRight },
  trx: Database,
): Promise<{ user: User; outcome: RecoveryOutcome }> {
  const user = await deps.users.findById(target.userId, trx);
  if (!user) throw new HttpError(404, 'userNotFound', `No user has the id ${target.userId}.`);
  if (user.userType !== 'Guest' && !user.externalUserState) throw new HttpError(400, 'notAGuest', 'Redemption can only be reset for external users.');
  const changesAddress = normalizeEmail(user.mail) !== normalizeEmail(target.address);
  if (changesAddress) {
    if (target.right !== 'anyAddress') {
      throw new HttpError(
        403,
        'addressChangeNotAllowed',
        "Only an administrator may send a reset invitation to another address. Reset to the guest's current address, or ask an administrator.",
      );
    }
    if (await deps.users.findByEmail(target.address, trx)) throw new HttpError(409, 'emailInUse', 'Another user already has that email address.');
    await writeUsers(trx, user.id, (users) => users.where({ id: user.id }).update({ mail: target.address, mail_normalized: normalizeEmail(target.address) }));
  }
  const identitiesRemoved = await deps.identities.removeAllForUser(user.id, trx);
  const mfaReset = await clearMfaFactors(user.id, trx);
  const now = nowIso();
  await writeUsers(trx, user.id, (users) => users.where({ id: user.id }).update({ external_user_state: 'PendingAcceptance', external_user_state_changed_at: now, updated_at: now }));
  return {
    user: { ...user, mail: changesAddress ? target.address : user.mail, externalUserState: 'PendingAcceptance' },
    outcome: { previousAddress: user.mail, newAddress: target.address, previousState: user.externalUserState ?? null, identitiesRemoved, mfaReset },
  };
}

/**
 * MfaService.reset opens its own transaction; given ours as its database that becomes a savepoint,
 * so the factors go with the rest of the reset or not at all (on SQLite a second connection would
 * wait for ours). Removing needs no key and counts no attempts.
 */
function clearMfaFactors(userId: string, trx: Database): Promise<boolean> {
  const throttle = createThrottle({ name: 'mfa-recovery', points: 1, durationSeconds: 1 });
  return new MfaService({ db: trx, key: undefined, throttle, issuer: '' }).reset(userId);
}
