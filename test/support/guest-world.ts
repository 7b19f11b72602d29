/**
 * The guest world most suites use: Foyer plus a partner organisation's IdP (a real second
 * oidc-provider) federated for partner.example, and the sign-up portal app (User.Invite.All) for
 * the invitation API. A preset of the one test world (./world.ts).
 */
import type { PartnerUser } from './partner-idp.js';
import { startWorld, type World } from './world.js';

export { APP_URL, latestOutboxMail, PARTNER_SECRET, redeemUrlIn } from './world.js';

/** foyer, partner and stop(), and the rest of the test world. */
export type GuestWorld = World;

export async function startGuestWorld(
  customize: (config: Record<string, unknown>) => void = () => {},
  opts: { users?: Record<string, PartnerUser>; trustMfa?: boolean; rememberLogins?: boolean } = {},
): Promise<GuestWorld> {
  return startWorld({ oidc: [{ users: opts.users, trustMfa: opts.trustMfa, rememberLogins: opts.rememberLogins }], portal: true, customize });
}
