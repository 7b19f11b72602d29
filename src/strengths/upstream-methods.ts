import type { UpstreamMethodRule } from '../config/strengths-schema.js';
import type { UpstreamIdentity } from '../federation/upstream-identity.js';

/** Upstream clocks may run this much ahead of Foyer's (as for reauthentication and MFA trust). */
const CLOCK_SKEW_SECONDS = 60;

export type UpstreamMethod = UpstreamMethodRule['method'];

/**
 * An upstream passkey counts only when the home IdP says when it was used, and at most this long
 * ago, where neither the rule nor the partner sets a maximum age: an IdP session where a key was
 * used days ago is not a phishing-resistant sign-in now.
 */
export const UPSTREAM_PASSKEY_DEFAULT_MAX_AGE_SECONDS = 60 * 60;

/**
 * Where nothing is configured, a trusted home IdP's passkey or security key counts when it says so
 * the way RFC 8176 lets it: a hardware- or software-secured key (hwk, swk) and MFA together.
 */
export const DEFAULT_UPSTREAM_METHOD_RULES: readonly UpstreamMethodRule[] = [
  { method: 'upstreamPasskey', amr: ['hwk', 'mfa'] },
  { method: 'upstreamPasskey', amr: ['swk', 'mfa'] },
];

export interface UpstreamMethodsVerdict {
  methods: UpstreamMethod[];
  /** One line per rule that matched or was too old, for the logs and what-if. */
  why: string[];
}

/**
 * Which Foyer methods one upstream sign-in earns under `rules` (already known to be trusted): a rule
 * matches when the upstream `amr` holds all of its amr values or its `acr` (SAML: the
 * AuthnContextClassRef) is one of its acr values, and the authentication (auth_time, AuthnInstant)
 * is no older than the rule's maximum age. An upstream passkey is MFA too. Pure: `now` in epoch ms.
 */
export function upstreamMethods(identity: Pick<UpstreamIdentity, 'idpId' | 'amr' | 'acr' | 'authTime'>, rules: readonly UpstreamMethodRule[], defaultMaxAgeSeconds: number | undefined, now: number): UpstreamMethodsVerdict {
  const methods = new Set<UpstreamMethod>();
  const why: string[] = [];
  const nowSeconds = Math.floor(now / 1000);
  for (const rule of rules) {
    const byAmr = rule.amr && rule.amr.every((v) => identity.amr.includes(v)) ? `amr ${rule.amr.join('+')}` : undefined;
    const byAcr = rule.acr && identity.acr !== undefined && rule.acr.includes(identity.acr) ? `acr ${identity.acr}` : undefined;
    const by = byAmr ?? byAcr;
    if (!by) continue;
    const maxAge = rule.maxAgeMinutes !== undefined ? rule.maxAgeMinutes * 60 : (defaultMaxAgeSeconds ?? (rule.method === 'upstreamPasskey' ? UPSTREAM_PASSKEY_DEFAULT_MAX_AGE_SECONDS : undefined));
    if (maxAge !== undefined) {
      const at = identity.authTime;
      if (at === undefined || !Number.isFinite(at) || at > nowSeconds + CLOCK_SKEW_SECONDS) {
        why.push(`${rule.method} not counted: ${identity.idpId} asserted ${by} but not when (at most ${maxAge / 60} minutes old)`);
        continue;
      }
      if (at < nowSeconds - maxAge - CLOCK_SKEW_SECONDS) {
        why.push(`${rule.method} not counted: ${identity.idpId} asserted ${by} ${Math.round((nowSeconds - at) / 60)} minutes ago (at most ${maxAge / 60} minutes old)`);
        continue;
      }
    }
    methods.add(rule.method);
    why.push(`${rule.method} from ${identity.idpId} (${by})`);
  }
  if (methods.has('upstreamPasskey')) methods.add('upstreamMfa');
  return { methods: (['upstreamMfa', 'upstreamPasskey'] as const).filter((m) => methods.has(m)), why };
}
