/**
 * What a guest's browser needs around Foyer: Foyer itself (in this process, on a free port), a
 * partner organisation's IdP (a real second oidc-provider) federated for partner.example, and the
 * demo app (examples/demo-app, a child process) signing in with Foyer.
 *
 * Foyer is reached as http://localhost:PORT and the partner as http://127.0.0.1:PORT: browsers
 * share cookies between ports of one host, and both run oidc-provider with its default cookie
 * names, as two organisations' servers never would on one host.
 */
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { startPartnerIdp, type PartnerIdp } from '../../support/partner-idp.js';
import { DEMO_SECRET, freePort, startFoyer, type RunningFoyer } from '../../support/start-foyer.js';
import { startDemoApp } from '../../support/demo-app-process.js';

export const PARTNER_SECRET = 'partner-client-secret-0123456789abcdef';
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
  const [foyerPort, appPort] = [await freePort(), await freePort()];
  const issuer = `http://localhost:${foyerPort}`;
  const appUrl = `http://localhost:${appPort}/`;
  const partner = await startPartnerIdp({
    conformIdTokenClaims: false,
    clients: [{ clientId: 'foyer', clientSecret: PARTNER_SECRET, authMethod: 'client_secret_basic', redirectUris: [`${issuer}/federation/partner/callback`] }],
  });
  let foyer: RunningFoyer | undefined;
  let app: ChildProcess | undefined;
  try {
    foyer = await startFoyer(
      (config) => {
        config.issuer = issuer;
        config.tenant = { displayName: 'Contoso', memberDomains: ['contoso.example'], branding: { primaryColor: '#1f4e9c' } };
        (config.apps as Record<string, unknown>[]).push({
          id: DEMO_APP_ID,
          displayName: 'Demo app',
          clientSecret: DEMO_SECRET,
          redirectUris: [`${appUrl}callback`],
          postLogoutRedirectUris: [appUrl],
          grantTypes: ['authorization_code', 'refresh_token'],
          firstParty: true,
          launchUrl: appUrl,
        });
        config.identityProviders = [
          { id: 'partner', type: 'oidc', displayName: 'Fabrikam', issuer: partner.issuer, clientId: 'foyer', clientSecret: PARTNER_SECRET, domains: ['partner.example'], trustMfa: opts.trustMfa ?? true },
        ];
        if (opts.policies) config.conditionalAccess = opts.policies;
        opts.customize?.(config);
      },
      { port: foyerPort },
    );
    app = await startDemoApp({ port: appPort, appUrl, issuer, clientId: DEMO_APP_ID });
  } catch (err) {
    app?.kill('SIGKILL');
    await foyer?.stop();
    await partner.close();
    throw err;
  }
  const running = foyer;
  const child = app;
  return {
    foyer: running,
    partner,
    appUrl,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
      await running.stop();
      await partner.close();
    },
  };
}


/** An MFA policy for one app, in the shape of config/policies.yaml's conditionalAccess entries. */
export function requireMfaFor(appId: string): Record<string, unknown> {
  return {
    id: `${appId}-requires-mfa`,
    displayName: `${appId} requires MFA`,
    state: 'enabled',
    conditions: { users: { includeUsers: ['All'] }, applications: { includeApplications: [appId] } },
    grantControls: { operator: 'OR', builtInControls: ['mfa'] },
  };
}
