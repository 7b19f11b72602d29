import type Provider from 'oidc-provider';
import type { UpstreamIdentity } from '../federation/upstream-identity.js';

/**
 * What Foyer remembers during one sign-in, saved inside oidc-provider's Interaction (so it lives
 * in the same store, expires with it, and any node can continue the journey).
 */
export interface JourneyState {
  /** The email the guest typed, or the invited address. */
  email?: string;
  /** Present while redeeming an invitation (set from the redemption cookie). */
  redemption?: { invitationId: string; ticketHash: string };
  /** An upstream sign-in in flight: the connector's state (OIDC state/nonce/verifier, SAML request id). */
  upstream?: { idpId: string; pending: Record<string, unknown>; startedAt: number };
  /** A validated upstream identity waiting for a decision (e.g. proof of the invited address). */
  identity?: UpstreamIdentity;
  /** An email one-time passcode in flight (hash only). */
  passcode?: Record<string, unknown> & { email: string; purpose: 'signIn' | 'proveInvitedAddress' };
}

type InteractionWithResult = InstanceType<Provider['Interaction']> & { result?: { foyer?: JourneyState } };

export async function loadJourney(provider: Provider, uid: string): Promise<JourneyState> {
  const interaction = (await provider.Interaction.find(uid)) as InteractionWithResult | undefined;
  return interaction?.result?.foyer ?? {};
}

/** Replaces the journey state; the interaction keeps its original expiry. */
export async function saveJourney(provider: Provider, uid: string, state: JourneyState): Promise<void> {
  const interaction = (await provider.Interaction.find(uid)) as InteractionWithResult | undefined;
  if (!interaction) return;
  interaction.result = { ...(interaction.result ?? {}), foyer: state };
  await interaction.persist();
}
