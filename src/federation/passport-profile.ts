/**
 * How a Passport strategy's profile becomes an UpstreamIdentity, as the admin mapped it
 * (`identityProviders[].profile`). Paths are dotted (`emails.0.value`, `_json.email_verified`).
 * An email counts as verified only where the admin said the provider verifies it, and even then
 * only for the IdP's own `domains` (email-authority.ts): a Passport IdP never vouches globally.
 */
import { FederationError } from './federation-error.js';
import type { UpstreamIdentity } from './upstream-identity.js';

export interface ProfileMapping {
  subject: string;
  email: string;
  name: string;
  /** false: never verified; true: the provider verifies every email it hands out; a path: that value must be true. */
  emailVerified: boolean | string;
}

export function valueAt(source: unknown, path: string): unknown {
  let current: unknown = source;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, part)) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

export function identityFromProfile(
  profile: unknown,
  mapping: ProfileMapping,
  idp: { id: string; displayName: string; issuer: string },
): UpstreamIdentity {
  const subject = valueAt(profile, mapping.subject);
  // A number is fine (many providers use numeric ids); an empty or structured value is not an identity.
  if (!((typeof subject === 'string' && subject.trim() !== '') || (typeof subject === 'number' && Number.isFinite(subject)))) {
    throw new FederationError('invalid_response', `${idp.displayName} did not say who you are (its profile has no "${mapping.subject}").`, { idpId: idp.id });
  }
  const emailValue = valueAt(profile, mapping.email);
  const email = typeof emailValue === 'string' && emailValue.trim() ? emailValue.trim() : undefined;
  const nameValue = valueAt(profile, mapping.name);
  const name = typeof nameValue === 'string' && nameValue.trim() ? nameValue.trim() : undefined;
  const verified =
    mapping.emailVerified === true || (typeof mapping.emailVerified === 'string' && [true, 'true'].includes(valueAt(profile, mapping.emailVerified) as never));
  return {
    idpId: idp.id,
    issuer: idp.issuer,
    subject: String(subject),
    ...(email ? { email } : {}),
    emailVerified: Boolean(email) && verified,
    ...(name ? { name } : {}),
    amr: [],
  };
}
