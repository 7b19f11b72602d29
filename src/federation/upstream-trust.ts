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

/**
 * The email this identity may be linked by to an existing user who has no identity from this IdP
 * yet (DESIGN.md step 6), or undefined. Requires a verified email, an IdP marked
 * `trustedForDomains`, and the email's domain among the IdP's `domains`. Invitation redemption
 * has its own rule (a verified email equal to the invited one) and does not need this.
 */
export function linkableEmail(idp: Pick<Connector, 'trustedForDomains' | 'domains'>, identity: UpstreamIdentity): string | undefined {
  if (!identity.emailVerified || !identity.email || !idp.trustedForDomains) return undefined;
  const email = identity.email.trim().toLowerCase();
  const domain = email.slice(email.lastIndexOf('@') + 1);
  return idp.domains.includes(domain) ? email : undefined;
}
