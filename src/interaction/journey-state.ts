import type { UpstreamIdentity } from '../federation/upstream-identity.js';
import type { InteractionDetails } from './interaction-context.js';
import { keepForJourney } from './interaction-lifetime.js';

/**
 * What Foyer remembers during one sign-in, saved inside oidc-provider's Interaction (so it lives
 * in the same store, expires with it, and any node can continue the journey).
 */
export interface JourneyState {
  /** The email the guest typed, or the invited address. */
  email?: string;
  /** Present while redeeming an invitation (set from the redemption cookie). */
  redemption?: { invitationId: string; ticketHash: string };
  /**
   * An upstream sign-in in flight: the connector's state (OIDC state/nonce/verifier, SAML request id)
   * and the hash of the browser binding set when it started (browser-binding.ts).
   */
  upstream?: { idpId: string; pending: Record<string, unknown>; startedAt: number; browser: string };
  /** A validated upstream identity waiting for a decision (e.g. proof of the invited address). */
  identity?: UpstreamIdentity;
  /** An email one-time passcode in flight (hash only), bound to the browser that asked for it. */
  passcode?: Record<string, unknown> & { email: string; purpose: PasscodePurpose; browser: string };
  /** A passcode Foyer offered to send (shown on a page) but that only a POST from this person sends. */
  passcodeOffer?: { email: string; purpose: PasscodePurpose };
}

export type PasscodePurpose = 'signIn' | 'proveInvitedAddress';

type WithJourney = { result?: { foyer?: JourneyState } };

/**
 * The journey state of an interaction the request already loaded. Every step works on that one
 * object, so a step reads the store once and writes it once (a re-read per helper cost a guest
 * sign-in a dozen extra round trips to the store).
 */
export function journeyOf(interaction: InteractionDetails): JourneyState {
  return (interaction as WithJourney).result?.foyer ?? {};
}

/** Replaces the journey state in memory only (a later `saveJourney` or interaction result persists it). */
export function setJourney(interaction: InteractionDetails, state: JourneyState): void {
  interaction.result = { ...(interaction.result ?? {}), foyer: state } as InteractionDetails['result'];
}

/** Replaces the journey state and persists the interaction; it keeps its original expiry. */
export async function saveJourney(interaction: InteractionDetails, state: JourneyState): Promise<void> {
  setJourney(interaction, state);
  keepForJourney(interaction);
  await interaction.persist();
}
