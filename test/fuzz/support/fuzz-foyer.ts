/** A Foyer (with the partner IdP) configured for fuzzing: request budgets out of the way, quiet. */
import { startGuestWorld, type GuestWorld } from '../../support/guest-world.js';

export function startFuzzWorld(): Promise<GuestWorld> {
  return startGuestWorld((config) => {
    // The budgets are tested elsewhere; here they would turn most cases into the same 429.
    config.limits = { tokenRequestsPerIpPerMinute: 10_000_000, signInPostsPerIpPerMinute: 10_000_000, invitationsPerInviterPerHour: 10_000_000 };
  });
}
