import { interactionPolicy } from 'oidc-provider';

/**
 * The ordered prompts every authorization request walks through: `login` → `assignment` → `mfa` →
 * `consent`. Conditional access (src/access/) contributes the middle two: the app-assignment gate
 * right after login, then the `mfa` prompt, so a session never resolves login before MFA has been
 * satisfied for the app being signed in to.
 */
export function buildInteractionPolicy(
  extraPrompts: { prompt: interactionPolicy.Prompt; after: string }[] = [],
  /** Prompts that must come right after `login`, before any extra prompt (the app assignment gate: no MFA enrolment for someone who may not use the app anyway). */
  gatePrompts: interactionPolicy.Prompt[] = [],
  /** Last changes to the finished policy: conditional access adds the `mfa` prompt before `consent` and its login checks (src/access/access-prompt.ts). */
  extend?: (policy: interactionPolicy.DefaultPolicy) => void,
) {
  const policy = interactionPolicy.base();
  // A browser session can outlive its account (disabled or deleted since): findAccount then returns
  // nothing, and without this check oidc-provider's consent checks fail on the missing grant (a 500).
  policy.get('login')!.checks.add(
    new interactionPolicy.Check(
      'account_unavailable',
      'the account signed in to this browser is disabled or no longer exists',
      'login_required',
      (ctx) => Boolean(ctx.oidc.session?.accountId) && !ctx.oidc.account,
    ),
    0,
  );
  for (const { prompt, after } of extraPrompts) {
    const index = policy.findIndex((p) => p.name === after);
    policy.add(prompt, index + 1);
  }
  gatePrompts.forEach((prompt, i) => policy.add(prompt, policy.findIndex((p) => p.name === 'login') + 1 + i));
  extend?.(policy);
  return policy;
}
