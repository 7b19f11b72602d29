/**
 * An address shown to someone who may not be its owner, enough to recognise it: the first
 * character of the local part, then the domain (j***@partner.example). Anything that is not an
 * address keeps only its first character.
 */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0) return `${email.charAt(0)}***`;
  return `${email.charAt(0)}***${email.slice(at)}`;
}
