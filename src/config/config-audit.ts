import { X509Certificate } from 'node:crypto';
import { PORTAL_CLIENT_ID } from '../portal/portal-client.js';
import type { FoyerConfig } from './schema.js';

/**
 * What an admin should know about a configuration that loaded: not errors (load-config.ts refuses
 * those) but settings that are valid and probably not what was meant, or that need attention
 * soon. `npx foyer config check` prints them; the console's configuration pages show them beside
 * the item they concern.
 */
export interface ConfigWarning {
  section: 'identityProviders' | 'partners' | 'conditionalAccess' | 'apps' | 'mail';
  /** The item's id within its section ('' for the section as a whole). */
  id: string;
  message: string;
}

const CERT_WARNING_DAYS = 30;
const DAY_MS = 86_400_000;

export function configWarnings(config: FoyerConfig, at: number = Date.now()): ConfigWarning[] {
  const warnings: ConfigWarning[] = [];
  const warn = (section: ConfigWarning['section'], id: string, message: string) => warnings.push({ section, id, message });

  for (const idp of config.identityProviders) {
    const domains = 'domains' in idp ? idp.domains : [];
    const federated = idp.type === 'oidc' || idp.type === 'saml';
    if (federated && domains.length === 0 && !config.partners.some((p) => p.identityProviders.includes(idp.id))) {
      warn('identityProviders', idp.id, 'lists no domains and no partner names it: home-realm discovery never sends anyone here (only invitations or the chooser can)');
    }
    if ('trustedForDomains' in idp && idp.trustedForDomains) warn('identityProviders', idp.id, `is trusted for its domains (${domains.join(', ') || 'none'}): a verified address there links an existing user without an invitation`);
    if ('issuer' in idp && typeof idp.issuer === 'string' && idp.issuer.startsWith('http://')) warn('identityProviders', idp.id, 'is reached over plain http (allowed on loopback only, for tests)');
    if (idp.type === 'saml') {
      for (const pem of idp.idpCertificates ?? []) {
        const validTo = Date.parse(new X509Certificate(pem).validTo);
        if (validTo < at) warn('identityProviders', idp.id, `has a signing certificate that expired on ${new Date(validTo).toISOString().slice(0, 10)}`);
        else if (validTo - at < CERT_WARNING_DAYS * DAY_MS) warn('identityProviders', idp.id, `has a signing certificate that expires on ${new Date(validTo).toISOString().slice(0, 10)}`);
      }
    }
  }

  for (const p of config.partners) {
    if (p.domains.length === 0 && p.identityProviders.length === 0) warn('partners', p.id, 'has no domains and no identity providers, so no guest is ever recognised as theirs');
  }

  for (const p of config.conditionalAccess) {
    if (p.state === 'disabled') warn('conditionalAccess', p.id, 'is off: it is not evaluated');
    if (p.state === 'enabledForReportingButNotEnforced') warn('conditionalAccess', p.id, 'is report-only: evaluated and logged, never enforced');
    const apps = new Set([...config.apps.map((a) => a.id), 'All', PORTAL_CLIENT_ID]);
    for (const id of [...p.conditions.applications.includeApplications, ...p.conditions.applications.excludeApplications]) {
      if (!apps.has(id)) warn('conditionalAccess', p.id, `names the app ${id}, which is not configured`);
    }
  }

  if (!config.mail.smtp) warn('mail', '', `no SMTP server is configured: mail is written to ${config.mail.outboxDir} instead of being sent`);
  return warnings;
}

/** Keys whose values are secrets wherever they appear (app and IdP secrets, private keys, SMTP passwords, strategy options). */
const SECRET_KEY = /secret|password|passwd|^pass$|private|decryption|encryptionkey|apikey|token|credential|^d$|^key$/i;
/** A value that is a private key whatever its key is called. */
const PRIVATE_PEM = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;
export const REDACTED = '(secret, not shown)';

/** A deep copy with every secret replaced, for pages and output that people read. */
export function redactSecrets(value: unknown, key = ''): unknown {
  if (key && SECRET_KEY.test(key) && value !== undefined && value !== null && value !== false) return REDACTED;
  if (typeof value === 'string') return PRIVATE_PEM.test(value) ? REDACTED : value;
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactSecrets(v, k)]));
  return value;
}
