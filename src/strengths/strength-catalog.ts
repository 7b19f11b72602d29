import type { AuthenticationStrengthConfig } from '../config/strengths-schema.js';
import type { AuthMethod } from './authentication-methods.js';
import { BUILT_IN_ORDER, BUILT_IN_STRENGTHS, type StrengthDefinition } from './built-in-strengths.js';

import { ACR_MFA } from '../access/acr.js';
const STRENGTH_ACR_PREFIX = 'urn:foyer:strength:';

export interface AuthenticationStrength extends StrengthDefinition {
  builtIn: boolean;
  /** What acr_values asks for it with, and the ID token's acr when it is the strongest met. */
  acr: string;
}

/** A strength that a sign-in met, and the combination (e.g. "federated,upstreamPasskey") that met it. */
export type MetStrengths = Record<string, string>;

/**
 * The built-in strengths and the custom ones from config (`authenticationStrengths`), and the one
 * question the rest of Foyer asks of them: which does this set of methods meet, and with what.
 */
export class StrengthCatalog {
  private readonly byId = new Map<string, AuthenticationStrength>();

  constructor(custom: readonly AuthenticationStrengthConfig[] = []) {
    // The built-in mfa keeps Foyer's acr for MFA from before strengths existed, so apps asking for it keep working.
    for (const s of BUILT_IN_STRENGTHS) this.byId.set(s.id, { ...s, builtIn: true, acr: s.id === 'mfa' ? ACR_MFA : `${STRENGTH_ACR_PREFIX}${s.id}` });
    for (const s of custom) this.byId.set(s.id, { ...s, description: s.description ?? '', builtIn: false, acr: `${STRENGTH_ACR_PREFIX}${s.id}` });
  }

  get(id: string): AuthenticationStrength | undefined {
    return this.byId.get(id);
  }

  all(): AuthenticationStrength[] {
    return [...this.byId.values()];
  }

  /** The combination of `id` that `methods` meet, as Graph writes it ("password,totp"); undefined: not met. */
  metBy(id: string, methods: readonly AuthMethod[]): string | undefined {
    const have = new Set(methods);
    return this.byId.get(id)?.allowedCombinations.find((c) => c.every((m) => have.has(m)))?.join(',');
  }

  /** Of `ids`, those `methods` meet, each with its combination. */
  met(ids: readonly string[], methods: readonly AuthMethod[]): MetStrengths {
    const out: MetStrengths = {};
    for (const id of ids) {
      const by = this.metBy(id, methods);
      if (by) out[id] = by;
    }
    return out;
  }

  /** The strength acr_values names: `urn:foyer:strength:<id>`, or `urn:foyer:acr:mfa` for mfa. */
  fromAcr(acr: string): string | undefined {
    if (acr === ACR_MFA) return 'mfa';
    if (!acr.startsWith(STRENGTH_ACR_PREFIX)) return undefined;
    const id = acr.slice(STRENGTH_ACR_PREFIX.length);
    return this.byId.has(id) ? id : undefined;
  }

  /** The acr of the strongest built-in strength `methods` meet; undefined when they meet none. */
  strongestAcr(methods: readonly AuthMethod[]): string | undefined {
    const id = BUILT_IN_ORDER.find((s) => this.metBy(s, methods));
    return id ? this.byId.get(id)!.acr : undefined;
  }

  /** Every acr Foyer can assert or be asked for (discovery's acr_values_supported). */
  acrValues(): string[] {
    return [...this.byId.values()].map((s) => s.acr);
  }
}

/** The built-ins alone: what the ID token's acr is chosen from (custom strengths never name the acr). */
const BUILT_INS = new StrengthCatalog();

/** The acr of the strongest built-in strength `methods` meet (phishingResistantMfa, passwordlessMfa, mfa); undefined: none. */
export function strongestAcr(methods: readonly AuthMethod[]): string | undefined {
  return BUILT_INS.strongestAcr(methods);
}
