import type { Adapter } from 'oidc-provider';

/**
 * Maps an upstream's `state` (OIDC/GitHub) or `RelayState` (SAML) back to the interaction that
 * started the sign-in. A SAML response arrives as a cross-site POST that carries none of Foyer's
 * SameSite cookies, so the interaction cannot be found from the browser alone. Entries live in the
 * same store as oidc-provider's state (SQL or Redis), are single-use and expire with the sign-in.
 */
export class FederationIndex {
  constructor(private readonly adapter: Adapter) {}

  async remember(key: string, uid: string, ttlSeconds = 900): Promise<void> {
    await this.adapter.upsert(key, { uid }, ttlSeconds);
  }

  /** The interaction uid, without using the entry up (a response from the wrong browser must change nothing). */
  async peek(key: string): Promise<string | undefined> {
    const found = (await this.adapter.find(key)) as { uid?: string } | undefined;
    return found?.uid;
  }

  /** Returns the interaction uid once; a replayed callback finds nothing. */
  async take(key: string): Promise<string | undefined> {
    const found = (await this.adapter.find(key)) as { uid?: string } | undefined;
    if (!found?.uid) return undefined;
    await this.adapter.destroy(key);
    return found.uid;
  }
}
