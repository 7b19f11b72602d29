import type { Connector } from './connector.js';
import type { UpstreamIdentity } from './upstream-identity.js';

type TrustSettings = Pick<Connector, 'trustMfa' | 'mfaAcrValues'>;

/**
 * Whether MFA done at the home IdP satisfies Foyer's MFA requirement (DESIGN.md step 7): only
 * when the admin trusts this IdP's MFA, and the IdP said so with `amr` "mfa" (RFC 8176; SAML
 * class refs are mapped in saml-authn-context.ts) or with one of the configured `mfaAcrValues`.
 */
export function upstreamMfaSatisfied(idp: TrustSettings, identity: UpstreamIdentity): boolean {
  if (!idp.trustMfa) return false;
  return identity.amr.includes('mfa') || (identity.acr !== undefined && idp.mfaAcrValues.includes(identity.acr));
}
