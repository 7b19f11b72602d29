import type { IdentityProviderConfig } from '../config/identity-providers-schema.js';
import type { Connector } from './connector.js';
import { createConnector, type ConnectorContext, type ConnectorTestOverrides, type StartableConnector } from './create-connector.js';

export interface ConnectorRegistry {
  byId(id: string): Connector | undefined;
  /**
   * Connectors whose `domains` include the domain: federated ones (the organisation's own IdP)
   * first, then social ones, each in config order, as Entra's redemption order has it. Empty
   * means no IdP claims the domain (the caller falls back to the email passcode).
   */
  forDomain(domain: string): Connector[];
  list(): Connector[];
  /** Loads every OIDC IdP's discovery document in the background; resolves when all tried, never rejects. */
  warmUp(): Promise<void>;
}

/**
 * Builds every connector once from config. Nothing here touches the network: discovery happens
 * in `warmUp` (call it without awaiting at start) or on the first sign-in, so an IdP that is down
 * when Foyer starts only fails its own sign-ins, with `upstream_unreachable`.
 */
export function createConnectorRegistry(
  identityProviders: IdentityProviderConfig[],
  ctx: ConnectorContext,
  overrides: Record<string, ConnectorTestOverrides> = {},
): ConnectorRegistry {
  const connectors: StartableConnector[] = identityProviders.map((idp) => createConnector(idp, ctx, overrides[idp.id]));
  const byId = new Map(connectors.map((c) => [c.id, c]));
  const rank = (c: Connector) => (c.category === 'federated' ? 0 : 1);

  return {
    byId: (id) => byId.get(id),
    forDomain(domain) {
      const d = domain.trim().toLowerCase();
      // Array.prototype.sort is stable, so config order survives within each category.
      return connectors.filter((c) => c.domains.includes(d)).sort((a, b) => rank(a) - rank(b));
    },
    list: () => [...connectors],
    async warmUp() {
      await Promise.all(connectors.map((c) => c.discovery?.warm()));
    },
  };
}
