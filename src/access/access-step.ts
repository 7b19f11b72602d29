import type { Router } from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { HttpError } from '../http/http-error.js';
import { loadInteraction, requirePrompt, type InteractionDetails } from '../interaction/interaction-context.js';
import { ACCESS_REASONS, MFA_PROMPT } from './access-prompt.js';

type Handler = (ctx: Context, details: InteractionDetails) => Promise<void>;

export interface AccessStep {
  /** GET /interaction/:uid at the mfa prompt. */
  show: Handler;
  /** Adds the step's form posts to the interaction router (which brings body parsing and CSRF). */
  mount(router: Router): void;
}

/**
 * The mfa prompt's pages, dispatched on the prompt's reasons: block first (nothing else matters),
 * then MFA, then terms of use. Each form post checks that this interaction is at that very step.
 */
export function accessStep(deps: {
  provider: Provider;
  blocked: Handler;
  mfa: { show: Handler; enrol: Handler; continueAfterEnrolment: Handler; verify: Handler; recovery: Handler; passkey: Handler; passkeyRegister: Handler };
  terms: { show: Handler; accept: Handler };
}): AccessStep {
  const { provider, mfa, terms } = deps;

  async function show(ctx: Context, details: InteractionDetails): Promise<void> {
    const reasons = details.prompt.reasons;
    if (reasons.includes(ACCESS_REASONS.block)) return deps.blocked(ctx, details);
    if (reasons.includes(ACCESS_REASONS.mfa)) return mfa.show(ctx, details);
    if (reasons.includes(ACCESS_REASONS.terms)) return terms.show(ctx, details);
    throw new HttpError(400, 'unexpectedInteractionStep', 'This step of the sign-in is not expected now. Go back to the app and start signing in again.');
  }

  const at = (reason: string, handler: Handler) => async (ctx: Context) => {
    const details = await loadInteraction(provider, ctx);
    requirePrompt(details, MFA_PROMPT);
    const reasons = details.prompt.reasons;
    if (!reasons.includes(reason) || reasons.includes(ACCESS_REASONS.block)) {
      throw new HttpError(400, 'unexpectedInteractionStep', 'This step of the sign-in is not expected now. Go back to the app and start signing in again.');
    }
    await handler(ctx, details);
  };

  function mount(router: Router): void {
    router.post('/mfa/enrol', at(ACCESS_REASONS.mfa, mfa.enrol));
    router.post('/mfa/continue', at(ACCESS_REASONS.mfa, mfa.continueAfterEnrolment));
    router.post('/mfa/verify', at(ACCESS_REASONS.mfa, mfa.verify));
    router.post('/mfa/recovery', at(ACCESS_REASONS.mfa, mfa.recovery));
    router.post('/mfa/passkey', at(ACCESS_REASONS.mfa, mfa.passkey));
    router.post('/mfa/passkey/register', at(ACCESS_REASONS.mfa, mfa.passkeyRegister));
    router.post('/terms/accept', at(ACCESS_REASONS.terms, terms.accept));
  }

  return { show, mount };
}
