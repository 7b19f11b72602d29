import type { Account, KoaContextWithOIDC } from 'oidc-provider';
import type { UsersRepository } from '../directory/users-repository.js';

/**
 * oidc-provider's account lookup. A disabled or deleted user has no account, so their existing
 * sessions and refresh tokens stop producing tokens at once.
 */
export function createFindAccount(users: UsersRepository) {
  return async function findAccount(_ctx: KoaContextWithOIDC, sub: string): Promise<Account | undefined> {
    const user = await users.findById(sub);
    if (!user || !user.accountEnabled) return undefined;
    return {
      accountId: user.id,
      async claims() {
        return {
          sub: user.id,
          email: user.mail,
          // Members' addresses are the host's own; a guest's address was proven at redemption.
          email_verified: user.userType === 'Member' || user.externalUserState === 'Accepted',
          name: user.displayName,
          preferred_username: user.mail,
          user_type: user.userType,
        };
      },
    };
  };
}
