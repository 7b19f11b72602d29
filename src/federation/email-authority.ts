import type { UpstreamIdentity } from './upstream-identity.js';

/** What Foyer knows of the IdP an identity came from, for deciding what its email proves. */
export interface EmailAuthority {
  /** The email domains the admin declared this IdP authoritative for (`identityProviders[].domains`). */
  readonly domains: readonly string[];
}

/**
 * The one rule for every connector (DESIGN.md): an upstream's "this email is verified" proves the
 * address only when that IdP is authoritative for the address's domain (one of its configured
 * `domains`), or when it is a consumer IdP whose verification holds for any address it hands out
 * (Google, GitHub's verified primary email, Microsoft with `xms_edov`, Foyer's own emailed passcode: the
 * connector marks those `emailVerifiedGlobally`). Any other IdP's `email_verified` says only that
 * *its* admin believes the address; a partner's IdP could otherwise claim a victim's address at
 * another organisation and redeem the victim's invitation. Returns the proven address, normalised.
 */
export function provenEmail(idp: EmailAuthority | undefined, identity: UpstreamIdentity): string | undefined {
  if (!identity.email || !identity.emailVerified) return undefined;
  const email = identity.email.trim().toLowerCase();
  // Not an address at all (a bare domain would otherwise pass as "an address of that domain").
  if (!/^[^@\s]+@[^@\s]+$/.test(email)) return undefined;
  if (identity.emailVerifiedGlobally) return email;
  return idp?.domains.includes(domainOf(email)) ? email : undefined;
}

/**
 * The email by which this identity may be linked to an existing user who has no identity from this
 * IdP yet: a proven address, through an IdP the admin marked `trustedForDomains`, within its own
 * `domains` (a consumer IdP's global verification is not enough to take over an existing account).
 */
export function linkableEmail(idp: EmailAuthority & { readonly trustedForDomains: boolean }, identity: UpstreamIdentity): string | undefined {
  const email = provenEmail(idp, identity);
  return email && idp.trustedForDomains && idp.domains.includes(domainOf(email)) ? email : undefined;
}

function domainOf(email: string): string {
  return email.slice(email.lastIndexOf('@') + 1);
}
