import { interactionPolicy, type KoaContextWithOIDC } from 'oidc-provider';
import type { AccessEngine, AccessEvaluation } from './access-engine.js';

const { Check, Prompt } = interactionPolicy;

/** Foyer's prompt between `login` and `consent` (DESIGN.md step 1): conditional access for THIS app. */
export const MFA_PROMPT = 'mfa';

/** The prompt's checks; the interaction page dispatches on them (block first, then MFA, then terms). */
export const ACCESS_REASONS = { block: 'policy_block', mfa: 'mfa_required', terms: 'terms_required' } as const;

/** The login check a conditional access sign-in frequency adds, and what it tells the login step. */
export const SIGN_IN_FREQUENCY = 'sign_in_frequency';
export type SignInFrequencyDetails = { signInFrequencySeconds?: number };

/** Saved in the Interaction as the prompt's details. */
export type AccessPromptDetails = {
  mfa: boolean;
  /** Strengths the sign-in must meet (policies, then one the app asked for with acr_values); the MFA step offers only what meets them. */
  authenticationStrengths: string[];
  termsOfUse: string[];
  blocked: boolean;
  /** The request that decided (it is also the sign-in log row's correlationId, shown on the block page). */
  correlationId?: string;
};

/**
 * Installs conditional access into oidc-provider's interaction policy:
 *
 * - the `mfa` prompt, evaluated on every authorization request (so single sign-on into a stricter
 *   app stops for MFA inside an existing session) with the checks `policy_block` (error
 *   access_denied, so prompt=none answers it directly), `mfa_required` (a policy's MFA or
 *   authentication strength, or the app's acr_values asking for urn:foyer:acr:mfa or
 *   urn:foyer:strength:<id>) and `terms_required`;
 * - a `sign_in_frequency` check on `login`: past a policy's signInFrequency the user signs in again.
 *
 * Apps ask for MFA with acr_values (oidc-provider's `claims` parameter is off in Foyer, so an
 * essential acr claim cannot be requested; see docs/decisions.md).
 */
export function accessInteractionPolicy(engine: AccessEngine) {
  return (policy: interactionPolicy.DefaultPolicy): void => {
    const login = policy.get('login');
    if (login) {
      login.checks.add(
        new Check(
          SIGN_IN_FREQUENCY,
          'a conditional access policy requires signing in again',
          'login_required',
          async (ctx) => {
            const session = ctx.oidc.session;
            if (!session?.accountId || ctx.oidc.result?.login) return Check.NO_NEED_TO_PROMPT;
            const frequency = (await engine.forRequest(ctx))?.decision.signInFrequencySeconds;
            return frequency !== undefined && session.past(frequency);
          },
          // The login step forwards it upstream as max_age (reauthentication.ts): a silent answer from an older partner session does not count.
          async (ctx): Promise<SignInFrequencyDetails> => ({ signInFrequencySeconds: (await engine.forRequest(ctx))?.decision.signInFrequencySeconds }),
        ),
      );
    }
    const consent = policy.findIndex((p) => p.name === 'consent');
    policy.add(mfaPrompt(engine), consent === -1 ? policy.length : consent);
  };
}

/** The strengths this sign-in must still meet: the policies', and the one the app asked for. */
export function requiredStrengths(evaluation: AccessEvaluation): string[] {
  const { required } = evaluation.decision;
  return [...new Set([...required.authenticationStrengths, ...(evaluation.strengthRequestedByApp ? [evaluation.strengthRequestedByApp] : [])])];
}

function mfaPrompt(engine: AccessEngine): interactionPolicy.Prompt {
  const decided = (ctx: KoaContextWithOIDC) => engine.forRequest(ctx);
  return new Prompt(
    { name: MFA_PROMPT, requestable: false },
    async (ctx) => {
      const evaluation = await decided(ctx);
      const details: AccessPromptDetails = {
        blocked: evaluation?.decision.result === 'block',
        mfa: Boolean(evaluation && (evaluation.decision.required.mfa || evaluation.mfaRequestedByApp)),
        authenticationStrengths: evaluation ? requiredStrengths(evaluation) : [],
        termsOfUse: evaluation?.decision.required.termsOfUse ?? [],
        correlationId: ctx.state.requestId as string | undefined,
      };
      return details;
    },
    new Check(ACCESS_REASONS.block, 'access to this app is blocked by a conditional access policy', 'access_denied', async (ctx) => (await decided(ctx))?.decision.result === 'block'),
    new Check(ACCESS_REASONS.mfa, 'multi-factor authentication is required', 'interaction_required', async (ctx) => {
      const evaluation = await decided(ctx);
      return Boolean(evaluation && evaluation.decision.result !== 'block' && (evaluation.decision.required.mfa || evaluation.mfaRequestedByApp || requiredStrengths(evaluation).length > 0));
    }),
    new Check(ACCESS_REASONS.terms, 'the terms of use must be accepted', 'interaction_required', async (ctx) => {
      const evaluation = await decided(ctx);
      return Boolean(evaluation && evaluation.decision.result !== 'block' && evaluation.decision.required.termsOfUse.length > 0);
    }),
  );
}
