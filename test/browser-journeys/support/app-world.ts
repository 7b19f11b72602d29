/**
 * The browser journeys' world (a preset of test/support/world.ts): Foyer reached as
 * http://localhost:PORT, a partner organisation's IdP (trusted for MFA by default) federated for
 * partner.example on 127.0.0.1 (browsers share cookies between the ports of one host, and both run
 * oidc-provider with its default cookie names), and the demo app signing in with Foyer.
 */
import type { PartnerIdp } from '../../support/partner-idp.js';
import type { RunningFoyer } from '../../support/start-foyer.js';
import { startWorld } from '../../support/world.js';

export { requireMfaFor } from '../../e2e-access/access-support.js';
export { PARTNER_SECRET } from '../../support/world.js';

export const DEMO_APP_ID = 'demo-app';

export interface AppWorld {
  foyer: RunningFoyer;
  partner: PartnerIdp;
  /** The demo app's home page, e.g. http://localhost:41234/ */
  appUrl: string;
  stop(): Promise<void>;
}

export interface AppWorldOptions {
  /** Conditional access policies (Graph's shape) for the `conditionalAccess` config key. */
  policies?: Record<string, unknown>[];
  /** MFA at the partner (amr "mfa") satisfies Foyer's MFA requirement. */
  trustMfa?: boolean;
  customize?: (config: Record<string, unknown>) => void;
}

export async function startAppWorld(opts: AppWorldOptions = {}): Promise<AppWorld> {
  const world = await startWorld({
    foyerHost: 'localhost',
    oidc: [{ displayName: 'Fabrikam', trustMfa: opts.trustMfa ?? true }],
    demoApp: { id: DEMO_APP_ID },
    customize: (config) => {
      config.tenant = { displayName: 'Contoso', memberDomains: ['contoso.example'], branding: { primaryColor: '#1f4e9c' } };
      if (opts.policies) config.conditionalAccess = opts.policies;
      opts.customize?.(config);
    },
  });
  return { foyer: world.foyer, partner: world.partner, appUrl: world.appUrl, stop: world.stop };
}
