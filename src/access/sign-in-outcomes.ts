import type { Middleware } from 'koa';
import type { KoaContextWithOIDC, PromptDetail } from 'oidc-provider';
import type Provider from 'oidc-provider';
import type { AppliedPolicy, SignInEntry, SignInLog } from '../audit/sign-in-log.js';
import type { Logger } from '../logging/logger.js';
import { onlyWhere } from '../http/only-where.js';
import { isAuthorizationPath } from '../provider/protocol-paths.js';
import type { AccessEngine, AccessEvaluation } from './access-engine.js';
import { ACCESS_REASONS, MFA_PROMPT } from './access-prompt.js';
import type { PolicyTrace } from './evaluate.js';

const AUTHORIZATION_ROUTES = new Set(['authorization', 'resume']);

/**
 * The sign-in log's view of the authorization endpoint (DESIGN.md step 9). Every authorization
 * request that ends with a code is a successful sign-in to that app (interactive or single
 * sign-on), with the conditional access trace, report-only policies included. A request stopped by
 * the mfa prompt is logged too: `interrupted` when MFA or terms are asked for, `failure` when a
 * policy blocks. Failed steps inside the interaction (passwords, codes) are logged where they fail.
 */
export function signInOutcomes(deps: { provider: Provider; engine: AccessEngine; log: SignInLog; logger: Logger }): Middleware {
  const started = new WeakMap<object, PromptDetail>();
  const succeeded = new WeakSet<object>();
  const failed = new WeakSet<object>();
  deps.provider.on('interaction.started', (ctx, prompt) => started.set(ctx, prompt));
  deps.provider.on('authorization.success', (ctx) => succeeded.add(ctx));
  deps.provider.on('authorization.error', (ctx) => failed.add(ctx));

  async function outcome(ctx: KoaContextWithOIDC): Promise<Pick<SignInEntry, 'result' | 'errorCode' | 'failureReason'> | undefined> {
    const prompt = started.get(ctx);
    if (succeeded.has(ctx)) return { result: 'success' };
    if (prompt?.name === MFA_PROMPT) {
      if (prompt.reasons.includes(ACCESS_REASONS.block)) return { result: 'failure', errorCode: 'blockedByConditionalAccess', failureReason: 'Access has been blocked by conditional access policies.' };
      if (prompt.reasons.includes(ACCESS_REASONS.mfa)) return { result: 'interrupted', errorCode: 'mfaRequired', failureReason: 'Multi-factor authentication is required.' };
      return { result: 'interrupted', errorCode: 'termsOfUseRequired', failureReason: 'The terms of use must be accepted.' };
    }
    // prompt=none meets a block policy: no interaction, the app gets access_denied at once.
    if (failed.has(ctx) && ctx.oidc.route === 'authorization' && (await deps.engine.forRequest(ctx))?.decision.result === 'block') {
      return { result: 'failure', errorCode: 'blockedByConditionalAccess', failureReason: 'Access has been blocked by conditional access policies.' };
    }
    return undefined;
  }

  async function record(ctx: KoaContextWithOIDC): Promise<void> {
    // A resumed login saves the session's sign-in facts even when another prompt stopped first.
    if (ctx.oidc.route === 'resume' && ctx.oidc.result?.login) await deps.engine.forRequest(ctx);
    const result = await outcome(ctx);
    if (!result) return;
    const evaluation = await deps.engine.forRequest(ctx);
    if (!evaluation) return;
    await deps.log.record(entryFor(ctx, evaluation, result));
  }

  return onlyWhere((ctx) => isAuthorizationPath(ctx.path), async (ctx, next) => {
    try {
      await next();
    } finally {
      const oidcCtx = ctx as unknown as KoaContextWithOIDC;
      if (Object.prototype.hasOwnProperty.call(ctx, 'oidc') && AUTHORIZATION_ROUTES.has(oidcCtx.oidc.route)) {
        await record(oidcCtx).catch((err: unknown) => deps.logger.warn({ err: err instanceof Error ? err.message : String(err), requestId: ctx.state.requestId }, 'writing the sign-in log failed'));
      }
    }
  });
}

function entryFor(ctx: KoaContextWithOIDC, evaluation: AccessEvaluation, outcome: Pick<SignInEntry, 'result' | 'errorCode' | 'failureReason'>): SignInEntry {
  const { user, decision, facts } = evaluation;
  const client = ctx.oidc.client;
  const amr = ctx.oidc.session?.amr ?? [];
  const mfaEnforced = decision.trace.some((t) => !t.reportOnly && t.applied && t.enforcedGrantControls.some((c) => c === 'mfa' || c.startsWith('authenticationStrength:')));
  return {
    userId: user.id,
    userPrincipalName: user.mail,
    userDisplayName: user.displayName,
    userType: user.userType,
    appId: client?.clientId ?? null,
    appDisplayName: client?.clientName ?? client?.clientId ?? null,
    identityProvider: facts.identityProvider ?? null,
    ipAddress: ctx.ip,
    correlationId: ctx.state.requestId as string | undefined,
    isInteractive: ctx.oidc.route === 'resume',
    ...outcome,
    conditionalAccessStatus: decision.conditionalAccessStatus,
    appliedConditionalAccessPolicies: decision.trace.map(toApplied),
    authenticationRequirement: mfaEnforced || evaluation.appRequestsMfa || evaluation.strengthRequestedByApp ? 'multiFactorAuthentication' : 'singleFactorAuthentication',
    mfaMethod: amr.includes('mfa') ? facts.mfaMethod : undefined,
    amr,
  };
}

export function toApplied(trace: PolicyTrace): AppliedPolicy {
  return {
    id: trace.id,
    displayName: trace.displayName,
    enforcedGrantControls: trace.enforcedGrantControls,
    enforcedSessionControls: trace.enforcedSessionControls,
    result: trace.result,
    reason: trace.reason,
    why: trace.why,
    ...(trace.authenticationStrength ? { authenticationStrength: trace.authenticationStrength } : {}),
    ...(trace.satisfiedBy ? { satisfiedBy: trace.satisfiedBy } : {}),
  };
}
