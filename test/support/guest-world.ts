/**
 * The guest world most suites use: Foyer plus a partner organisation's IdP (a real second
 * oidc-provider) federated for partner.example, and the sign-up portal app (User.Invite.All) for
 * the invitation API. A preset of the one test world (./world.ts).
 */
import type { PartnerIdp, PartnerUser } from './partner-idp.js';
import type { RunningFoyer } from './start-foyer.js';
import { startWorld, type World } from './world.js';

export { APP_URL, latestOutboxMail, PARTNER_SECRET, redeemUrlIn } from './world.js';

export interface GuestWorld {
  foyer: RunningFoyer;
  partner: PartnerIdp;
  /** The whole world, for what the preset does not name. */
  world: World;
  stop(): Promise<void>;
}

export async function startGuestWorld(
  customize: (config: Record<string, unknown>) => void = () => {},
  opts: { users?: Record<string, PartnerUser>; trustMfa?: boolean; rememberLogins?: boolean } = {},
): Promise<GuestWorld> {
  const world = await startWorld({ oidc: [{ users: opts.users, trustMfa: opts.trustMfa, rememberLogins: opts.rememberLogins }], portal: true, customize });
  return { foyer: world.foyer, partner: world.partner, world, stop: world.stop };
}
