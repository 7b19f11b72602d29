import type { IdentityProviderConfig } from '../config/identity-providers-schema.js';
import { isDedicatedIdp, type InboundTrustConfig, type PartnerConfig, type PartnerDefaultsConfig, type TargetConfiguration } from '../config/partners-schema.js';

/** The sections of a partner's settings that can be inherited from partnerDefaults. */
export type Section = 'usersAndGroups' | 'applications' | 'inboundTrust' | 'automaticUserConsentSettings';

/**
 * One organisation's settings as they apply: a partner's own, with every section it leaves out
 * taken from partnerDefaults, or partnerDefaults itself (`id` null) for everyone else.
 */
export interface PartnerSettings {
  /** The partner's id; null for partnerDefaults (every organisation not listed). */
  id: string | null;
  displayName: string;
  domains: string[];
  /** How its people sign in, in redemption order; empty: any IdP. */
  identityProviders: string[];
  /** Its own IdPs (oidc, saml, a single Microsoft tenant): their users are this partner's whatever their address. */
  dedicatedIdps: string[];
  usersAndGroups: TargetConfiguration;
  applications: TargetConfiguration;
  inboundTrust: InboundTrustConfig;
  autoRedeem: boolean;
  invitations: { ticketTtlDays?: number; sponsor?: string; message?: string };
  /** Sections taken from partnerDefaults. */
  inherited: Section[];
}

const BUILT_IN_DEFAULTS = JSON.stringify({
  b2bCollaborationInbound: {
    usersAndGroups: { accessType: 'allowed', targets: [{ target: 'AllUsers', targetType: 'user' }] },
    applications: { accessType: 'allowed', targets: [{ target: 'AllApplications', targetType: 'application' }] },
  },
  inboundTrust: { isMfaAccepted: false },
  automaticUserConsentSettings: { inboundAllowed: false },
});

/** Partners from config, indexed by id, domain and IdP. Pure: no storage. */
export class PartnerDirectory {
  readonly defaults: PartnerSettings;
  /** partnerDefaults is the built-in one (Graph's isServiceDefault). */
  readonly defaultsAreBuiltIn: boolean;
  private readonly partners: PartnerSettings[];
  private readonly byIdMap = new Map<string, PartnerSettings>();
  private readonly byDomainMap = new Map<string, PartnerSettings>();
  private readonly byIdpMap = new Map<string, PartnerSettings>();
  /**
   * True when some organisation may not do everything: only then do sign-ins and refreshes need
   * the partner checks. Settled at construction (the settings come from config; a reload builds a
   * new directory), since every code and refresh-token redemption asks.
   */
  readonly restrictsAnything: boolean;

  constructor(config: { partners: PartnerConfig[]; partnerDefaults: PartnerDefaultsConfig; identityProviders: IdentityProviderConfig[] }) {
    const d = config.partnerDefaults;
    this.defaultsAreBuiltIn = JSON.stringify(d) === BUILT_IN_DEFAULTS;
    this.defaults = {
      id: null,
      displayName: 'partnerDefaults',
      domains: [],
      identityProviders: [],
      dedicatedIdps: [],
      usersAndGroups: d.b2bCollaborationInbound.usersAndGroups,
      applications: d.b2bCollaborationInbound.applications,
      inboundTrust: d.inboundTrust,
      autoRedeem: d.automaticUserConsentSettings.inboundAllowed,
      invitations: {},
      inherited: [],
    };
    const idps = new Map(config.identityProviders.map((i) => [i.id, i]));
    this.partners = config.partners.map((p) => this.settingsOf(p, idps));
    for (const p of this.partners) {
      this.byIdMap.set(p.id!, p);
      for (const domain of p.domains) this.byDomainMap.set(domain, p);
      for (const idp of p.dedicatedIdps) this.byIdpMap.set(idp, p);
    }
    this.restrictsAnything = [this.defaults, ...this.partners].some(
      (p) => !isAll(p.usersAndGroups, 'AllUsers') || !isAll(p.applications, 'AllApplications') || p.identityProviders.length > 0,
    );
  }

  list(): PartnerSettings[] {
    return [...this.partners];
  }

  byId(id: string): PartnerSettings | undefined {
    return this.byIdMap.get(id);
  }

  /** The partner whose domains include the address's domain (exactly). */
  byEmail(email: string | undefined): PartnerSettings | undefined {
    if (!email) return undefined;
    return this.byDomainMap.get(email.slice(email.lastIndexOf('@') + 1).trim().toLowerCase());
  }

  /** The partner an IdP belongs to, for IdPs of one organisation only (a shared IdP such as Google classifies nobody). */
  byIdp(idpId: string | undefined): PartnerSettings | undefined {
    return idpId ? this.byIdpMap.get(idpId) : undefined;
  }

  /** Whether any partner admits people by a claim its IdP asserts (only then are claims kept). */
  claimNames(): string[] {
    const names = this.partners.flatMap((p) => p.usersAndGroups.targets.filter((t) => t.targetType === 'group').map((t) => t.claim!));
    return [...new Set(names)];
  }

  private settingsOf(p: PartnerConfig, idps: Map<string, IdentityProviderConfig>): PartnerSettings {
    const inherited: Section[] = [];
    const take = <T>(section: Section, own: T | undefined, fallback: T): T => {
      if (own !== undefined) return own;
      inherited.push(section);
      return fallback;
    };
    const inbound = p.b2bCollaborationInbound;
    return {
      id: p.id,
      displayName: p.displayName,
      domains: p.domains,
      identityProviders: p.identityProviders,
      dedicatedIdps: p.identityProviders.filter((id) => {
        const idp = idps.get(id);
        return idp !== undefined && isDedicatedIdp(idp);
      }),
      usersAndGroups: take('usersAndGroups', inbound?.usersAndGroups, this.defaults.usersAndGroups),
      applications: take('applications', inbound?.applications, this.defaults.applications),
      inboundTrust: take('inboundTrust', p.inboundTrust, this.defaults.inboundTrust),
      autoRedeem: take('automaticUserConsentSettings', p.automaticUserConsentSettings?.inboundAllowed, this.defaults.autoRedeem),
      invitations: p.invitations ?? {},
      inherited,
    };
  }
}

/** An `allowed` list that holds the keyword that means everyone. */
export function isAll(c: TargetConfiguration, keyword: 'AllUsers' | 'AllApplications'): boolean {
  return c.accessType === 'allowed' && c.targets.some((t) => t.target === keyword);
}
