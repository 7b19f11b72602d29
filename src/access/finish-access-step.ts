import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { InteractionDetails } from '../interaction/interaction-context.js';
import type { AccessPromptDetails } from './access-prompt.js';

/**
 * Ends a step of the mfa prompt. The result is merged with the previous submission of the same
 * authorization (typically the login that just happened), so that resuming still counts as the
 * fresh login it is (max_age, auth_time) rather than a bare continuation.
 */
export async function finishAccessStep(provider: Provider, ctx: Context, result: Record<string, unknown>): Promise<void> {
  const returnTo = await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: true });
  ctx.status = 303;
  ctx.redirect(returnTo);
}

export function promptDetails(details: InteractionDetails): AccessPromptDetails {
  const d = details.prompt.details as Partial<AccessPromptDetails>;
  return { mfa: Boolean(d.mfa), authenticationStrengths: Array.isArray(d.authenticationStrengths) ? d.authenticationStrengths.map(String) : [], blocked: Boolean(d.blocked), termsOfUse: Array.isArray(d.termsOfUse) ? d.termsOfUse.map(String) : [], correlationId: typeof d.correlationId === 'string' ? d.correlationId : undefined };
}
