/**
 * What every connector produces after a successful upstream sign-in: who the guest is at their
 * home IdP and how they authenticated there. Linking (DESIGN.md step 6) keys on (issuer, subject);
 * conditional access (step 7) reads amr/acr.
 */
export interface UpstreamIdentity {
  /** The configured IdP (`identityProviders[].id`, or "email-otp"). */
  idpId: string;
  /**
   * Who vouches for `subject`: the ID token's `iss` (tenant-specific for Microsoft multi-tenant),
   * the SAML IdP entity id, https://github.com, or urn:foyer:email-otp.
   */
  issuer: string;
  /** Stable id at the issuer: OIDC `sub`, SAML persistent NameID, GitHub's numeric user id, the normalised email. */
  subject: string;
  email?: string;
  /** Only true when the upstream asserted it (never assumed); linking by email requires it. */
  emailVerified: boolean;
  name?: string;
  /** RFC 8176 method references from the upstream (`[]` when it says nothing). */
  amr: string[];
  /** The upstream's `acr` or, for SAML, the AuthnContextClassRef. */
  acr?: string;
}
