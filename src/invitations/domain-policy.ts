import type { InvitationsConfig } from '../config/invitations-schema.js';

export function emailDomain(email: string): string {
  return email.slice(email.lastIndexOf('@') + 1).toLowerCase();
}

function matches(domain: string, pattern: string): boolean {
  if (pattern.startsWith('*.')) return domain.endsWith(pattern.slice(1));
  return domain === pattern;
}

/**
 * The allow or block list of external collaboration settings. Checked when inviting and again at
 * redemption, so a domain blocked after the invitation was sent cannot redeem it.
 */
export function isDomainAllowed(email: string, config: Pick<InvitationsConfig, 'allowedDomains' | 'blockedDomains'>): boolean {
  const domain = emailDomain(email);
  if (config.allowedDomains.length) return config.allowedDomains.some((p) => matches(domain, p));
  return !config.blockedDomains.some((p) => matches(domain, p));
}
