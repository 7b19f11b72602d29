import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import type { Context } from 'koa';
import { signInFacts } from '../access/sign-in-facts.js';
import type { SignInRecorder } from '../access/sign-in-recorder.js';
import { ACR_MFA } from '../access/acr.js';
import { strongestAcr } from '../strengths/strength-catalog.js';
import { LOCAL_IDP_ID } from '../config/policies-schema.js';
import type { User } from '../directory/user-model.js';
import { accountUsable } from '../directory/account-usable.js';
import type { UsersRepository } from '../directory/users-repository.js';
import { finishInteraction, type InteractionDetails } from '../interaction/interaction-context.js';
import { keepSignInLanguage } from '../interaction/sign-in-language.js';
import { passkeyError } from './passkey-errors.js';
import { passkeyAnswer } from './passkey-input.js';
import { passkeyAmr, type PasskeyService } from './passkey-service.js';

/**
 * Members' passwordless sign-in: on the password page, "Use a passkey instead" asks for any
 * discoverable passkey of this site (no allow list, so the page says nothing about which accounts
 * have one); the passkey names its account by its user handle. Only the host's own members may
 * sign in this way: a guest's identity is their home organisation's to prove (and its partner
 * settings to admit), so a guest's passkey is only ever a second factor.
 */
export function passwordlessLogin(deps: {
  passkeys: PasskeyService;
  users: UsersRepository;
  /** The languages there are catalogs for: the one the sign-in spoke becomes the member's preferredLanguage when they have none. */
  languages?: readonly string[];
  signIns?: SignInRecorder;
  /** With members signing in through the host's IdP and local passwords off, only break-glass admins may sign in here. */
  localSignInAllowed?: (email: string) => boolean;
}) {
  const scopeOf = (details: InteractionDetails) => `login:${details.uid}`;

  /** The form the password page shows (public/passkey.js answers it). */
  async function option(details: InteractionDetails): Promise<Record<string, unknown>> {
    return { mode: 'authenticate', action: `/interaction/${details.uid}/login/passkey`, options: await deps.passkeys.authenticationOptions(scopeOf(details)), button: 'passkey.useInstead', secondary: true };
  }

  async function submit(ctx: Context, details: InteractionDetails): Promise<void> {
    const answer = passkeyAnswer<AuthenticationResponseJSON>(ctx);
    const outcome = answer ? await deps.passkeys.authenticate(scopeOf(details), answer) : ({ ok: false, reason: 'responseInvalid' } as const);
    const user = outcome.ok ? await deps.users.findById(outcome.value.userId) : undefined;
    if (!outcome.ok || !user || !mayUsePasswordless(user, deps.users.clock.now(), deps.localSignInAllowed)) {
      const refusal = passkeyError(outcome.ok ? 'unknownCredential' : outcome.reason);
      await deps.signIns?.failure(ctx, { userId: user?.id, identityProvider: LOCAL_IDP_ID, errorCode: refusal.code, failureReason: refusal.message, mfaMethod: 'passkey' });
      throw refusal;
    }
    await Promise.all([deps.users.recordSignIn(user.id), keepSignInLanguage(ctx, { users: deps.users, languages: deps.languages ?? [] }, user)]);
    await finishInteraction(details, ctx, {
      login: { accountId: user.id, amr: passkeyAmr(outcome.value), acr: strongestAcr(['passkey']) ?? ACR_MFA, remember: true },
      ...signInFacts(LOCAL_IDP_ID, 'passkey', ['passkey']),
    });
  }

  return { option, submit };
}

/**
 * Who may sign in with a passkey alone: an enabled member of the host, and, where local sign-in is
 * switched off for members (tenant.memberIdentityProvider), only a break-glass admin; otherwise a
 * member cut off at the host's IdP would keep signing in here with a passkey added earlier.
 */
export function mayUsePasswordless(user: User, now: Date, localSignInAllowed?: (email: string) => boolean): boolean {
  return accountUsable(user, now) && user.userType === 'Member' && !user.externalUserState && (localSignInAllowed?.(user.mail) ?? true);
}

export type PasswordlessLogin = ReturnType<typeof passwordlessLogin>;
