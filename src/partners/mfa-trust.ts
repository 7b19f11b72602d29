import type { IdentityProviderConfig } from '../config/identity-providers-schema.js';
import type { UpstreamIdentity } from '../federation/upstream-identity.js';
import type { UpstreamMethodRule } from '../config/strengths-schema.js';
import { DEFAULT_UPSTREAM_METHOD_RULES, upstreamMethods, type UpstreamMethodsVerdict } from '../strengths/upstream-methods.js';
import type { PartnerDirectory } from './partner-directory.js';

/** Upstream clocks may run this much ahead of Foyer's (as for reauthentication). */
const CLOCK_SKEW_SECONDS = 60;

export interface EffectiveTrust {
  accepted: boolean;
  amrValues: string[];
  acrValues: string[];
  maxAgeSeconds?: number;
  /** Which assertions count as which methods for authentication strengths (configured, or the defaults). */
  methodRules: readonly UpstreamMethodRule[];
  /** Where the setting comes from, for what-if and the logs. */
  source: string;
}

/** What an upstream said about the authentication: all trust decisions read. */
export type AssertedAuthentication = Pick<UpstreamIdentity, 'idpId' | 'amr' | 'acr' | 'authTime'>;

export interface TrustVerdict {
  trusted: boolean;
  why: string;
}

/**
 * Whether MFA done at a guest's home IdP satisfies Foyer's MFA control (Entra's inbound trust).
 * An organisation's own IdP (oidc, saml, a single Microsoft tenant) that a partner lists follows that partner's `inboundTrust` (its own or
 * partnerDefaults'); any other IdP (a shared one such as Google too) follows partnerDefaults, and its own `trustMfa` /
 * `mfaAcrValues`, the older per-IdP shorthand, still accept its MFA on top (the config check refuses
 * them on an IdP that belongs to a partner, so trust is set in one place).
 */
export class MfaTrust {
  private readonly idps: Map<string, IdentityProviderConfig>;

  constructor(
    private readonly directory: PartnerDirectory,
    identityProviders: IdentityProviderConfig[],
  ) {
    this.idps = new Map(identityProviders.map((i) => [i.id, i]));
  }

  forIdp(idpId: string): EffectiveTrust {
    const partner = this.directory.byIdp(idpId);
    const idp = this.idps.get(idpId);
    const settings = partner?.inboundTrust ?? this.directory.defaults.inboundTrust;
    const own = !partner && idp && 'trustMfa' in idp && idp.trustMfa;
    const ownRules = !partner && idp && 'authenticationMethods' in idp ? idp.authenticationMethods : undefined;
    const base = {
      // An IdP of no partner: its own rules first (set beside trustMfa), then partnerDefaults'.
      methodRules: (partner ? settings.authenticationMethods : (ownRules ?? settings.authenticationMethods)) ?? DEFAULT_UPSTREAM_METHOD_RULES,
      amrValues: settings.mfaAmrValues ?? ['mfa'],
      acrValues: [...(settings.mfaAcrValues ?? []), ...(!partner && idp && 'mfaAcrValues' in idp ? idp.mfaAcrValues : [])],
      ...(settings.mfaMaxAgeMinutes ? { maxAgeSeconds: settings.mfaMaxAgeMinutes * 60 } : {}),
    };
    if (partner) {
      const where = partner.inherited.includes('inboundTrust') ? `partner ${partner.id} (inboundTrust from partnerDefaults)` : `partner ${partner.id}`;
      return { accepted: settings.isMfaAccepted, ...base, source: where };
    }
    if (settings.isMfaAccepted) return { accepted: true, ...base, source: 'partnerDefaults' };
    if (own) return { accepted: true, ...base, source: `identityProviders ${idpId} (trustMfa)` };
    return { accepted: false, ...base, source: 'partnerDefaults' };
  }

  /**
   * The Foyer methods one upstream sign-in earns (src/strengths/): upstreamMfa when its MFA counts
   * (check below), upstreamPasskey when a method rule matches within its maximum age.
   */
  methods(identity: AssertedAuthentication, now = Date.now()): UpstreamMethodsVerdict & { mfa: TrustVerdict } {
    const mfa = this.check(identity, now);
    const trust = this.forIdp(identity.idpId);
    if (!trust.accepted) return { methods: [], why: [mfa.why], mfa };
    const verdict = upstreamMethods(identity, trust.methodRules, trust.maxAgeSeconds, now);
    const methods = new Set([...(mfa.trusted ? (['upstreamMfa'] as const) : []), ...verdict.methods]);
    return { methods: (['upstreamMfa', 'upstreamPasskey'] as const).filter((m) => methods.has(m)), why: [mfa.why, ...verdict.why], mfa };
  }

  /** The verdict for one upstream sign-in, at `now` (epoch ms). */
  check(identity: AssertedAuthentication, now = Date.now()): TrustVerdict {
    const trust = this.forIdp(identity.idpId);
    if (!trust.accepted) return { trusted: false, why: `MFA from ${identity.idpId} is not accepted (${trust.source})` };
    const by = identity.amr.find((m) => trust.amrValues.includes(m)) ?? (identity.acr !== undefined && trust.acrValues.includes(identity.acr) ? `acr ${identity.acr}` : undefined);
    if (!by) return { trusted: false, why: `${identity.idpId} did not say MFA was done (amr ${identity.amr.join(',') || 'none'}${identity.acr ? `, acr ${identity.acr}` : ''})` };
    if (trust.maxAgeSeconds !== undefined) {
      const nowSeconds = Math.floor(now / 1000);
      const at = identity.authTime;
      if (at === undefined || !Number.isFinite(at) || at > nowSeconds + CLOCK_SKEW_SECONDS) {
        return { trusted: false, why: `${identity.idpId} did not say when the MFA happened, and ${trust.source} accepts it only ${trust.maxAgeSeconds / 60} minutes old at most` };
      }
      if (at < nowSeconds - trust.maxAgeSeconds - CLOCK_SKEW_SECONDS) {
        return { trusted: false, why: `the MFA at ${identity.idpId} is ${Math.round((nowSeconds - at) / 60)} minutes old; ${trust.source} accepts it ${trust.maxAgeSeconds / 60} minutes old at most` };
      }
    }
    return { trusted: true, why: `MFA at ${identity.idpId} (${by}) accepted by ${trust.source}` };
  }
}
