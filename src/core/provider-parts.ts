import type { ClientMetadata, interactionPolicy } from 'oidc-provider';
import type Provider from 'oidc-provider';
import type { AppAccessCheck } from '../provider/find-account.js';
import type { TokenClaimsHook } from '../provider/scope-claims.js';

/**
 * What a feature adds to oidc-provider's configuration, gathered before the provider is built
 * (its clients, prompts and interaction policy are fixed at construction).
 */
export interface ProviderParts {
  /** Foyer's own first-party clients, not in config (My Apps). */
  clients?: ClientMetadata[];
  /** Prompts right after `login`, before every other (the app assignment gate). */
  gatePrompts?: interactionPolicy.Prompt[];
  /** Last changes to the interaction policy (conditional access adds the `mfa` prompt). */
  extendPolicy?: (policy: interactionPolicy.DefaultPolicy) => void;
  /** Who may still use an app, checked again whenever a code or refresh token is redeemed (every part's must allow). */
  appAccess?: AppAccessCheck;
  /** What tokens carry beyond the base claims (app roles, groups, optional claims); one feature gives it. */
  tokenClaims?: TokenClaimsHook;
  /** Told once the provider exists, to listen to its events. */
  observe?: (provider: Provider) => void;
}
