import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { MfaMethod, SignInLog } from '../audit/sign-in-log.js';
import type { UsersRepository } from '../directory/users-repository.js';
import type { Logger } from '../logging/logger.js';

export interface StepFailure {
  /** Known once the person is identified; a mistyped email has only userPrincipalName. */
  userId?: string;
  userPrincipalName?: string;
  identityProvider?: string;
  /** A stable code, e.g. invalidCredentials, accountLocked, mfaCodeInvalid. */
  errorCode: string;
  failureReason: string;
  /** The underlying reason, for admins only (src/interaction/upstream-failure.ts). */
  failureDetail?: string;
  mfaMethod?: MfaMethod;
  /** The interaction, when the request's URL does not carry it (an upstream callback). */
  interactionUid?: string;
}

/**
 * Writes a failed step of an interactive sign-in (a wrong password, an upstream refusal, a wrong
 * MFA code) to the sign-in log, one call where the step fails. The app comes from the interaction
 * the request belongs to. Logging never breaks a sign-in: a write that fails is only logged.
 */
export class SignInRecorder {
  constructor(private readonly deps: { provider: Provider; log: SignInLog; users: UsersRepository; logger: Logger }) {}

  async failure(ctx: Context, failure: StepFailure): Promise<void> {
    try {
      // The upstream callback's URL names no interaction: it says which one it finishes in ctx.state.
      const uid = failure.interactionUid ?? (ctx.params as Record<string, string | undefined> | undefined)?.uid ?? (ctx.state.interactionUid as string | undefined);
      const interaction = uid ? await this.deps.provider.Interaction.find(uid) : undefined;
      const appId = interaction?.params?.client_id ? String(interaction.params.client_id) : undefined;
      const client = appId ? await this.deps.provider.Client.find(appId) : undefined;
      const user = failure.userId ? await this.deps.users.findById(failure.userId) : undefined;
      await this.deps.log.record({
        userId: user?.id ?? failure.userId ?? null,
        userPrincipalName: user?.mail ?? failure.userPrincipalName ?? null,
        userDisplayName: user?.displayName ?? null,
        userType: user?.userType ?? null,
        appId: appId ?? null,
        appDisplayName: client?.clientName ?? appId ?? null,
        identityProvider: failure.identityProvider ?? null,
        ipAddress: ctx.ip,
        correlationId: ctx.state.requestId as string | undefined,
        isInteractive: true,
        result: 'failure',
        errorCode: failure.errorCode,
        failureReason: failure.failureReason,
        failureDetail: failure.failureDetail,
        mfaMethod: failure.mfaMethod,
      });
    } catch (err) {
      this.deps.logger.warn({ err: err instanceof Error ? err.message : String(err), requestId: ctx.state.requestId }, 'writing the sign-in log failed');
    }
  }
}
