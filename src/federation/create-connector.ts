import type { IdentityProviderConfig } from '../config/identity-providers-schema.js';
import type { Logger } from '../logging/logger.js';
import type { Connector } from './connector.js';
import { createGithubConnector } from './github-connector.js';
import { createOidcConnector } from './oidc-connector.js';
import { createPassportConnector, passportSettings } from './passport-connector.js';
import { appleSettings, facebookSettings, googleSettings, microsoftSettings, oidcSettings, type OidcSettings } from './presets.js';
import { createSamlConnector, type SamlIdpTrust } from './saml-connector.js';

export interface ConnectorContext {
  /** Foyer's issuer (SAML SP entity id and ACS URL derive from it). */
  issuer: string;
  logger: Logger;
  timeoutSeconds?: number;
  discoveryTtlMs?: number;
  discoveryRetryAfterMs?: number;
  /** Claims (SAML attributes) to keep on identities: those partner rules name. */
  assertedClaims?: readonly string[];
  /** A SAML IdP's live trust (its metadata, refreshed on a schedule); default: the config's. */
  samlTrust?: (idpId: string) => SamlIdpTrust | undefined;
}

/**
 * For tests only, never reachable from config: point a preset at a loopback fake. Keeping this
 * out of the schema means no config file can send the "Google" button to another server, and
 * the generic `oidc` type needs no override at all (its issuer is already configurable).
 */
export interface ConnectorTestOverrides {
  /** google/microsoft/apple/oidc: the issuer (discovery) URL to use instead of the configured/preset one. */
  issuerUrlOverride?: string;
  /** github: one base URL serving /login/oauth/* and the REST API paths. */
  githubBaseUrlOverride?: string;
}

/** A connector with a discovery cache to warm at start (OIDC kinds). */
export type StartableConnector = Connector & { discovery?: { warm(): Promise<void> } };

export function createConnector(idp: IdentityProviderConfig, ctx: ConnectorContext, overrides: ConnectorTestOverrides = {}): StartableConnector {
  const oidc = (settings: OidcSettings) =>
    createOidcConnector(overrides.issuerUrlOverride ? { ...settings, issuer: overrides.issuerUrlOverride } : settings, ctx);
  switch (idp.type) {
    case 'oidc':
      return oidc(oidcSettings(idp));
    case 'google':
      return oidc(googleSettings(idp));
    case 'microsoft':
      return oidc(microsoftSettings(idp));
    case 'apple':
      return oidc(appleSettings(idp));
    case 'github':
      return createGithubConnector(idp, { logger: ctx.logger, timeoutSeconds: ctx.timeoutSeconds, baseUrlOverride: overrides.githubBaseUrlOverride });
    case 'passport':
      return createPassportConnector(passportSettings(idp), { issuer: ctx.issuer, timeoutSeconds: ctx.timeoutSeconds });
    case 'facebook':
      return createPassportConnector(facebookSettings(idp), { issuer: ctx.issuer, timeoutSeconds: ctx.timeoutSeconds });
    case 'saml':
      return createSamlConnector(idp, { issuer: ctx.issuer, assertedClaims: ctx.assertedClaims, trust: ctx.samlTrust?.(idp.id) });
  }
}
