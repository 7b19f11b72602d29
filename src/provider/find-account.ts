import type { Account, KoaContextWithOIDC } from 'oidc-provider';
import { accountUsable } from '../directory/account-usable.js';
import type { User } from '../directory/user-model.js';
import type { UsersRepository } from '../directory/users-repository.js';
import type { TokenClaimsHook } from './scope-claims.js';

/** Whether a user may still use an app (the assignment gate, the partner settings); absent, every app is open. */
export interface AppAccessCheck {
  /** `context`: the user already loaded, and the session the code or refresh token came from. */
  allows(clientId: string, userId: string, context?: { user: User; sessionUid?: string }): Promise<boolean>;
}

/** Every check must allow (a feature's refusal is never outvoted by another's). */
export function allAppAccessChecks(checks: (AppAccessCheck | undefined)[]): AppAccessCheck | undefined {
  const present = checks.filter((c): c is AppAccessCheck => Boolean(c));
  if (present.length <= 1) return present[0];
  return {
    async allows(clientId, userId, context) {
      for (const check of present) if (!(await check.allows(clientId, userId, context))) return false;
      return true;
    },
  };
}

/**
 * oidc-provider's account lookup. A disabled or deleted user has no account, so their existing
 * sessions and refresh tokens stop producing tokens at once. At the token endpoint the app's
 * assignment is checked too: a user who lost access to an app that requires assignment (their own
 * assignment removed, the group's removed, or they left the group) can no longer redeem a code or
 * refresh token for it. Removing a user's own assignment also revokes their grants; the other two
 * changes are only caught here. The partner settings are checked the same way (a partner blocked
 * or limited since the token was issued).
 */
export function createFindAccount(users: UsersRepository, access?: AppAccessCheck, tokenClaims?: TokenClaimsHook) {
  return async function findAccount(ctx: KoaContextWithOIDC, sub: string, token?: object): Promise<Account | undefined> {
    const user = ctx ? await users.findByIdInRequest(ctx, sub) : await users.findById(sub);
    if (!user || !accountUsable(user, users.clock.now())) return undefined;
    const clientId = ctx?.oidc?.route === 'token' ? ctx.oidc.client?.clientId : undefined;
    if (clientId && access && !(await access.allows(clientId, user.id, { user, sessionUid: sessionUidOf(token) }))) return undefined;
    return {
      accountId: user.id,
      async claims(_use: string, scope: string) {
        const base = {
          sub: user.id,
          email: user.mail,
          // Members' addresses are the host's own; a guest's address was proven at redemption.
          email_verified: user.userType === 'Member' || user.externalUserState === 'Accepted',
          name: user.displayName,
          preferred_username: user.mail,
          user_type: user.userType,
        };
        // App roles, groups and optional claims for the app asking (ID token) or the token's app (userinfo).
        const clientId = ctx?.oidc?.client?.clientId;
        return tokenClaims && clientId ? { ...(await tokenClaims.idToken(ctx, clientId, user, base, scope)), sub: user.id } : base;
      },
    };
  };
}

/** The session a code or refresh token was issued in (oidc-provider records it on both). */
function sessionUidOf(token: object | undefined): string | undefined {
  const uid = (token as { sessionUid?: unknown } | undefined)?.sessionUid;
  return typeof uid === 'string' ? uid : undefined;
}
