import { derivedKeys } from '../provider/keys/derived-keys.js';
import type { SharedServices } from '../core/shared-services.js';
import { createConnectorRegistry, type ConnectorRegistry } from './connector-registry.js';
import type { ConnectorContext } from './create-connector.js';
import { createEmailPasscode, type EmailPasscode } from './email-passcode.js';

/**
 * The upstream IdPs as configured (src/federation/: one Connector per IdP kind behind one
 * interface, and the email passcode), for the sign-in journey. Discovery documents load in the
 * background, so an IdP that is down at start only fails its own sign-ins.
 */
export function createFederation(
  shared: SharedServices,
  opts: Pick<ConnectorContext, 'assertedClaims' | 'samlTrust'> = {},
): { registry: ConnectorRegistry; passcode: EmailPasscode | undefined } {
  const { config, logger } = shared;
  const registry = createConnectorRegistry(config.identityProviders, { issuer: config.issuer, logger, ...opts }, shared.connectorOverrides);
  void registry.warmUp();
  const passcode = config.emailPasscode.enabled
    ? createEmailPasscode({
        config: config.emailPasscode,
        mailer: shared.mailer,
        renderer: shared.renderer,
        // Keyed by secrets every node shares (derived from the cookie secrets) so a stored code hash is useless alone.
        secret: derivedKeys(shared.keys, 'email-passcode'),
        logger,
        redis: shared.redis,
      })
    : undefined;
  return { registry, passcode };
}
