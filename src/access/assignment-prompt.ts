import { interactionPolicy, type KoaContextWithOIDC } from 'oidc-provider';
import type { AssignmentGate } from './assignment-gate.js';

export const ASSIGNMENT_PROMPT = 'assignment';

/**
 * A prompt after `login` (and before `mfa` and `consent`): an app with assignmentRequired refuses
 * a signed-in user who is not assigned to it. The interaction it starts is never resolved: the
 * user sees a page naming the app and its owners and can only go back, so no code or token is
 * issued. With prompt=none the app receives access_denied instead.
 */
export function assignmentPrompt(gate: AssignmentGate): interactionPolicy.Prompt {
  return new interactionPolicy.Prompt(
    { name: ASSIGNMENT_PROMPT, requestable: false },
    (ctx: KoaContextWithOIDC) => ({ appId: ctx.oidc.client?.clientId }),
    new interactionPolicy.Check('not_assigned', 'the user is not assigned to this application', 'access_denied', async (ctx: KoaContextWithOIDC) => {
      const accountId = ctx.oidc.session?.accountId;
      const clientId = ctx.oidc.client?.clientId;
      // Without an account the login prompt is still pending and has already stopped the walk.
      if (!accountId || !clientId) return interactionPolicy.Check.NO_NEED_TO_PROMPT;
      return !(await gate.allows(clientId, accountId));
    }),
  );
}
