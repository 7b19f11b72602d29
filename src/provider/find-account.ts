import type { Account, KoaContextWithOIDC } from 'oidc-provider';
import type { UsersRepository } from '../directory/users-repository.js';

/** Whether a user may still use an app (the assignment gate); absent, every app is open. */
export interface AppAccessCheck {
  allows(clientId: string, userId: string): Promise<boolean>;
}

/**
 * oidc-provider's account lookup. A disabled or deleted user has no account, so their existing
 * sessions and refresh tokens stop producing tokens at once. At the token endpoint the app's
 * assignment is checked too: a user who lost access to an app that requires assignment (their own
 * assignment removed, the group's removed, or they left the group) can no longer redeem a code or
 * refresh token for it. Removing a user's own assignment also revokes their grants; the other two
 * changes are only caught here.
 */
export function createFindAccount(users: UsersRepository, access?: AppAccessCheck) {
  return async function findAccount(ctx: KoaContextWithOIDC, sub: string): Promise<Account | undefined> {
    const user = ctx ? await users.findByIdInRequest(ctx, sub) : await users.findById(sub);
    if (!user || !user.accountEnabled) return undefined;
    const clientId = ctx?.oidc?.route === 'token' ? ctx.oidc.client?.clientId : undefined;
    if (clientId && access && !(await access.allows(clientId, user.id))) return undefined;
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
