import { FOYER_CLAIMS, UPSTREAM_STANDARD_CLAIMS, type OptionalClaim } from '../config/app-claims-schema.js';
import type { AppConfig } from '../config/apps-schema.js';
import type { IdentityProviderConfig } from '../config/identity-providers-schema.js';

export type TokenUse = 'idToken' | 'accessToken';

/** One optional claim as the token code reads it: where its value comes from. */
export interface PlannedClaim {
  name: string;
  /** Foyer's own (directory, partner settings), or upstream: IdP id → the claim or attribute read from it. */
  source: { kind: 'foyer' } | { kind: 'upstream'; from: Map<string, string> };
}

/** What one app's tokens carry beyond the base claims, decided once from config. */
export interface AppClaimsPlan {
  appId: string;
  /** Role id (lower case) → value. */
  roles: Map<string, string>;
  groups: 'None' | 'SecurityGroup' | 'ApplicationGroup';
  groupsLimit: number;
  idToken: PlannedClaim[];
  accessToken: PlannedClaim[];
  /** Whether a token for this app needs the assignments and memberships query. */
  readsDirectory: boolean;
  /** Whether it needs what guests' IdPs asserted. */
  readsUpstream: boolean;
  /** Whether it names the home organisation. */
  readsHomeTenant: boolean;
}

/** Every app's plan, plus what sign-in must keep from each IdP and which names oidc-provider must let through. */
export interface ClaimsPlan {
  apps: Map<string, AppClaimsPlan>;
  /** IdP id → the upstream claim names optional claims read from it (connectors keep these). */
  upstreamNames: Map<string, Set<string>>;
  /** Optional ID token claim names of any app (registered with oidc-provider, which drops unknown claims). */
  idTokenNames: Set<string>;
}

const FOYER = new Set<string>(FOYER_CLAIMS);
const STANDARD_UPSTREAM = new Set<string>(UPSTREAM_STANDARD_CLAIMS);

export function planClaims(apps: AppConfig[], idps: Pick<IdentityProviderConfig, 'id' | 'type'>[]): ClaimsPlan {
  const upstreamNames = new Map<string, Set<string>>();
  const idTokenNames = new Set<string>();
  // A standard claim without `from` is read under its own name from every OIDC IdP (SAML has no such names).
  const oidcIdps = idps.filter((i) => i.type === 'oidc' || i.type === 'google' || i.type === 'microsoft').map((i) => i.id);

  const plan = (claim: OptionalClaim): PlannedClaim => {
    if (FOYER.has(claim.name)) return { name: claim.name, source: { kind: 'foyer' } };
    const from = new Map(Object.entries(claim.from ?? {}));
    if (!claim.from && STANDARD_UPSTREAM.has(claim.name)) for (const id of oidcIdps) from.set(id, claim.name);
    for (const [idpId, upstream] of from) {
      if (!upstreamNames.has(idpId)) upstreamNames.set(idpId, new Set());
      upstreamNames.get(idpId)!.add(upstream);
    }
    return { name: claim.name, source: { kind: 'upstream', from } };
  };

  const byApp = new Map<string, AppClaimsPlan>();
  for (const app of apps) {
    const idToken = app.optionalClaims.idToken.map(plan);
    const accessToken = app.optionalClaims.accessToken.map(plan);
    idToken.forEach((c) => idTokenNames.add(c.name));
    const all = [...idToken, ...accessToken];
    byApp.set(app.id, {
      appId: app.id,
      roles: new Map(app.appRoles.map((r) => [r.id.toLowerCase(), r.value])),
      groups: app.groupMembershipClaims,
      groupsLimit: app.groupsClaimLimit,
      idToken,
      accessToken,
      readsDirectory: app.appRoles.length > 0 || app.groupMembershipClaims !== 'None',
      readsUpstream: all.some((c) => c.source.kind === 'upstream'),
      readsHomeTenant: all.some((c) => c.name === 'home_tenant_id' || c.name === 'home_tenant_name'),
    });
  }
  return { apps: byApp, upstreamNames, idTokenNames };
}

/** Whether a plan adds anything to this app's tokens (most apps: nothing, and no query is made). */
export function addsAnything(plan: AppClaimsPlan | undefined): plan is AppClaimsPlan {
  return Boolean(plan && (plan.readsDirectory || plan.idToken.length > 0 || plan.accessToken.length > 0));
}
