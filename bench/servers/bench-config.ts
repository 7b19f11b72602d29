/** What the bench's servers and load clients agree on: apps, secrets, the API resource. */

export const BENCH_SECRET = 'bench-app-secret-0123456789abcdefghijklmnopq';
export const PARTNER_SECRET = 'bench-partner-secret-0123456789abcdefghijkl';
export const BENCH_REDIRECT_URI = 'http://127.0.0.1:9999/callback';
export const BENCH_APP_URL = 'http://127.0.0.1:9999/';
export const BENCH_API_RESOURCE = 'https://api.contoso.example';
export const PARTNER_DOMAIN = 'partner.example';
/** The partner IdP's subject for one of its users (foyer-node links guests with it). */
export const partnerSubject = (email: string) => `p-${email.slice(0, email.indexOf('@'))}`;
/** The app an MFA policy protects (the MFA scenario signs in to it). */
export const MFA_APP_ID = 'mfa-app';

export interface FoyerBenchOptions {
  port: number;
  partnerIssuer: string;
  databaseUrl: string;
  redisUrl?: string;
  outboxDir: string;
  logLevel: string;
}

/** Foyer's config for the bench, as the plain object a YAML file would hold. */
export function foyerRawConfig(o: FoyerBenchOptions): Record<string, unknown> {
  const webApp = (id: string, displayName: string) => ({
    id,
    displayName,
    clientSecret: BENCH_SECRET,
    redirectUris: [BENCH_REDIRECT_URI],
    grantTypes: ['authorization_code', 'refresh_token'],
    firstParty: true,
    launchUrl: BENCH_APP_URL,
  });
  return {
    issuer: `http://127.0.0.1:${o.port}`,
    tenant: { displayName: 'Contoso Bench', memberDomains: ['contoso.example'] },
    server: { port: o.port, host: '127.0.0.1', logLevel: o.logLevel, shutdownGraceSeconds: 1 },
    storage: { databaseUrl: o.databaseUrl, ...(o.redisUrl ? { redisUrl: o.redisUrl } : {}) },
    mail: { outboxDir: o.outboxDir },
    keys: { algorithm: 'ES256' },
    apps: [
      webApp('web-app', 'Web App'),
      webApp(MFA_APP_ID, 'MFA App'),
      { id: 'daemon-app', displayName: 'Daemon', clientSecret: BENCH_SECRET, grantTypes: ['client_credentials'] },
      { id: 'portal-app', displayName: 'Sign-up portal', clientSecret: BENCH_SECRET, grantTypes: ['client_credentials'], permissions: ['User.Invite.All', 'User.Read.All'] },
    ],
    resourceServers: [{ identifier: BENCH_API_RESOURCE, scopes: ['read', 'write'] }],
    identityProviders: [
      { id: 'partner', type: 'oidc', displayName: 'Partner Org', issuer: o.partnerIssuer, clientId: 'foyer', clientSecret: PARTNER_SECRET, domains: ['partner.example'] },
    ],
  };
}

/** The config fragment that puts `mfa-app` under a "require MFA" conditional access policy (issue 5). */
export function mfaPolicy(): Record<string, unknown> {
  return {
    conditionalAccess: [
      {
        displayName: 'Require MFA for the MFA App',
        state: 'enabled',
        conditions: {
          users: { includeUsers: ['All'] },
          applications: { includeApplications: [MFA_APP_ID] },
        },
        grantControls: { operator: 'OR', builtInControls: ['mfa'] },
      },
    ],
  };
}
