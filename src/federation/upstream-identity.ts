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
  /** Only true when the upstream asserted it (never assumed). What it proves: email-authority.ts. */
  emailVerified: boolean;
  /**
   * A consumer IdP whose verification holds for every address it hands out (Google, GitHub's
   * verified emails, Microsoft with `xms_edov`, the emailed passcode). Unset: the IdP proves an
   * address only within its configured `domains`.
   */
  emailVerifiedGlobally?: boolean;
  name?: string;
  /** RFC 8176 method references from the upstream (`[]` when it says nothing). */
  amr: string[];
  /** The upstream's `acr` or, for SAML, the AuthnContextClassRef. */
  acr?: string;
  /** When the person authenticated at the upstream (epoch seconds): OIDC `auth_time`, SAML `AuthnInstant`. */
  authTime?: number;
}
