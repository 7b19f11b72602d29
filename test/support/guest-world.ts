import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO_SECRET, freePort, startFoyer, type RunningFoyer } from './start-foyer.js';
import { startPartnerIdp, type PartnerIdp, type PartnerUser } from './partner-idp.js';

export const APP_URL = 'http://127.0.0.1:9999/';
export const PARTNER_SECRET = 'partner-client-secret-0123456789abcdef';

export interface GuestWorld {
  foyer: RunningFoyer;
  partner: PartnerIdp;
  stop(): Promise<void>;
}

/**
 * Foyer plus a partner organisation's IdP (a real second oidc-provider) federated for the domain
 * partner.example, and an app with User.Invite.All for the invitation API.
 */
export async function startGuestWorld(
  customize: (config: Record<string, unknown>) => void = () => {},
  opts: { users?: Record<string, PartnerUser>; trustMfa?: boolean; rememberLogins?: boolean } = {},
): Promise<GuestWorld> {
  const port = await freePort();
  const partner = await startPartnerIdp({
    users: opts.users,
    conformIdTokenClaims: false,
    rememberLogins: opts.rememberLogins,
    clients: [{ clientId: 'foyer', clientSecret: PARTNER_SECRET, authMethod: 'client_secret_basic', redirectUris: [`http://127.0.0.1:${port}/federation/partner/callback`] }],
  });
  const foyer = await startFoyer(
    (config) => {
      const apps = config.apps as Record<string, unknown>[];
      apps[0]!.launchUrl = APP_URL;
      apps.push({ id: 'portal-app', displayName: 'Sign-up portal', clientSecret: DEMO_SECRET, grantTypes: ['client_credentials'], permissions: ['User.Invite.All', 'User.Read.All'] });
      config.identityProviders = [
        {
          id: 'partner',
          type: 'oidc',
          displayName: 'Partner Org',
          issuer: partner.issuer,
          clientId: 'foyer',
          clientSecret: PARTNER_SECRET,
          domains: ['partner.example'],
          trustMfa: opts.trustMfa ?? false,
        },
      ];
      customize(config);
    },
    { port },
  );
  return {
    foyer,
    partner,
    async stop() {
      await foyer.stop();
      await partner.close();
    },
  };
}

/** The newest message in the outbox (no SMTP configured), as raw text. */
export function latestOutboxMail(foyer: RunningFoyer): string {
  const dir = join(foyer.dir, 'outbox');
  const files = readdirSync(dir).sort();
  return readFileSync(join(dir, files.at(-1)!), 'utf8');
}

/** The redeem link in a mail (text part), unfolding quoted-printable soft breaks. */
export function redeemUrlIn(raw: string): string {
  const unfolded = raw.replace(/=\r?\n/g, '').replace(/=3D/g, '=');
  const match = /(https?:\/\/[^\s"<>]+\/redeem\?t=[A-Za-z0-9_-]{43})/.exec(unfolded);
  if (!match) throw new Error(`no redeem link in mail:\n${raw.slice(0, 2000)}`);
  return match[1]!;
}
