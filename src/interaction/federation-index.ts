import type { FoyerAdapter } from '../provider/adapters/index.js';

/**
 * Maps an upstream's `state` (OIDC/GitHub) or `RelayState` (SAML) back to the interaction that
 * started the sign-in. A SAML response arrives as a cross-site POST that carries none of Foyer's
 * SameSite cookies, so the interaction cannot be found from the browser alone. Entries live in the
 * same store as oidc-provider's state (SQL or Redis), are single-use and expire with the sign-in.
 */
export class FederationIndex {
  constructor(private readonly adapter: FoyerAdapter) {}

  async remember(key: string, uid: string, ttlSeconds = 900): Promise<void> {
    await this.adapter.upsert(key, { uid }, ttlSeconds);
  }

  /** The interaction uid, without using the entry up (a response from the wrong browser must change nothing). */
  async peek(key: string): Promise<string | undefined> {
    const found = (await this.adapter.find(key)) as { uid?: string } | undefined;
    return found?.uid;
  }

  /**
   * Uses the entry up: true for exactly one caller, even when a response is delivered twice at
   * the same moment (a replayed or double-posted callback), false for every other.
   */
  async take(key: string): Promise<boolean> {
    return this.adapter.take(key);
  }
}
