/**
 * SAML says how the user authenticated with an AuthnContextClassRef (and Entra/ADFS also with an
 * `authnmethodsreferences` attribute); Foyer's conditional access speaks OIDC `amr`/`acr`. The
 * class ref becomes `acr` verbatim; `amr` gets the RFC 8176 values it implies:
 *
 * | AuthnContextClassRef (or authnmethodsreferences value)                 | amr            |
 * |------------------------------------------------------------------------|----------------|
 * | ...:ac:classes:Password, PasswordProtectedTransport                     | pwd            |
 * | ...:ac:classes:X509, Smartcard, SmartcardPKI, TLSClient, SoftwarePKI    | sc / swk       |
 * | ...:ac:classes:Kerberos, http://schemas.microsoft.com/ws/2008/06/identity/authenticationmethod/windows | wia |
 * | ...:ac:classes:TimeSyncToken                                           | otp            |
 * | https://refeds.org/profile/mfa, http://schemas.microsoft.com/claims/multipleauthn, ...:MobileTwoFactor*, and any class ref whose last segment contains "MultiFactor", "mfa" or "TwoFactor" | mfa |
 *
 * Anything else adds nothing to `amr`; an admin can still count a custom class ref as MFA with
 * `mfaAcrValues`.
 */
const AC = 'urn:oasis:names:tc:SAML:2.0:ac:classes:';

const EXACT: Record<string, string[]> = {
  [`${AC}Password`]: ['pwd'],
  [`${AC}PasswordProtectedTransport`]: ['pwd'],
  [`${AC}X509`]: ['sc'],
  [`${AC}Smartcard`]: ['sc'],
  [`${AC}SmartcardPKI`]: ['sc'],
  [`${AC}TLSClient`]: ['sc'],
  [`${AC}SoftwarePKI`]: ['swk'],
  [`${AC}Kerberos`]: ['wia'],
  [`${AC}TimeSyncToken`]: ['otp'],
  'http://schemas.microsoft.com/ws/2008/06/identity/authenticationmethod/windows': ['wia'],
  'http://schemas.microsoft.com/ws/2008/06/identity/authenticationmethod/password': ['pwd'],
  'http://schemas.microsoft.com/claims/multipleauthn': ['mfa'],
  'https://refeds.org/profile/mfa': ['mfa'],
};

const MFA_HINT = /(multi-?factor|(^|[^a-z])mfa([^a-z]|$)|two-?factor|multipleauthn)/i;

/** `amr` values implied by one class ref or method reference. */
export function amrForAuthnContext(ref: string): string[] {
  const exact = EXACT[ref];
  if (exact) return exact;
  const lastSegment = ref.split(/[:/#]/).filter(Boolean).pop() ?? ref;
  return MFA_HINT.test(lastSegment) ? ['mfa'] : [];
}

/** The union of `amr` values for the class ref plus any method references, without duplicates. */
export function amrFromSaml(classRef: string | undefined, methodRefs: string[]): string[] {
  const out = new Set<string>();
  for (const ref of [classRef, ...methodRefs]) if (ref) for (const m of amrForAuthnContext(ref)) out.add(m);
  return [...out];
}
