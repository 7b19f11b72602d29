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
   * verified primary email, Microsoft with `xms_edov`, the emailed passcode). Unset: the IdP proves an
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
  /**
   * The claims (SAML: attributes) Foyer was asked to keep (ConnectorContext.assertedClaims: those
   * partner rules name, e.g. `groups`), as text values; absent when none was asked for or given.
   */
  assertions?: Record<string, string[]>;
  /** SAML: the NameID's format and the AuthnStatement's SessionIndex, for a LogoutRequest at sign-out. */
  samlSession?: { nameIdFormat?: string; sessionIndex?: string };
}

/** Up to 200 text values of up to 256 characters per claim: a group list, not a payload. */
export function pickAssertions(read: (name: string) => unknown, names: readonly string[] | undefined): Record<string, string[]> | undefined {
  if (!names?.length) return undefined;
  const out: Record<string, string[]> = {};
  for (const name of names) {
    const raw = read(name);
    const values = ([] as unknown[]).concat(raw ?? []).map(textOf).filter((v): v is string => v !== undefined && v.length <= 256);
    if (values.length) out[name] = [...new Set(values)].slice(0, 200);
  }
  return Object.keys(out).length ? out : undefined;
}

function textOf(v: unknown): string | undefined {
  if (typeof v === 'string') return v.trim() || undefined;
  if (typeof v === 'number') return String(v);
  // SAML attribute values read from node-saml's tree carry their text under `_`.
  const inner = (v as { _?: unknown } | null)?._;
  return typeof inner === 'string' ? inner.trim() || undefined : undefined;
}
