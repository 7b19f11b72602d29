import type { Database } from '../db/connect.js';
import type { User } from '../directory/user-model.js';
import { addsAnything, type AppClaimsPlan, type ClaimsPlan, type PlannedClaim } from './claims-plan.js';
import { directoryFacts, type DirectoryFacts } from './directory-facts.js';
import type { StoredUpstreamClaims, UpstreamClaimsRepository } from './upstream-claims-repository.js';

/** The organisation a guest comes from (a partner), for home_tenant_id / home_tenant_name. */
export type HomeTenantOf = (user: User) => Promise<{ id: string; name: string } | undefined>;

export interface TokenClaimsDeps {
  db: Database;
  issuer: string;
  plan: ClaimsPlan;
  /** Which claims each scope releases (src/provider/scope-claims.ts). */
  scopeClaims: Record<string, string[]>;
  upstream: UpstreamClaimsRepository;
  homeTenant?: HomeTenantOf;
}

/** What the database says about one user for one app, read once per request. */
interface Facts {
  directory?: DirectoryFacts;
  upstream?: StoredUpstreamClaims[];
  home?: { id: string; name: string };
}

type Claims = Record<string, unknown>;

/**
 * The claims an app's ID tokens, userinfo and access tokens carry beyond the base ones: `roles`
 * (the values of the app's roles the user holds, directly or through a group: that app's only),
 * `groups` (ids; over the app's limit none, and a pointer to the API instead, Entra's overage), and
 * the app's optional claims. Computed at every issuance, so a change of roles or groups reaches
 * the next token (refresh included). An app that asks for none of this costs no query; one that
 * does costs one directory query per token request (ID and access token share it), plus one for
 * upstream claims if it passes any on.
 *
 * Foyer's own claims always win: the optional ones are laid down first and Foyer's on top, and
 * config refuses optional claims under Foyer's names (app-claims-schema.ts).
 */
export class TokenClaims {
  private readonly perRequest = new WeakMap<object, Map<string, Promise<Facts>>>();
  /** Claim names released with the openid scope: roles, groups, and every app's optional ID token claims. */
  readonly openidClaims: string[];
  /**
   * Base claims that a scope used to release and now the openid scope does too (an app asked for
   * `email` as an optional claim): every other app still gets them only with their scope.
   */
  private readonly widened: Set<string>;

  constructor(private readonly deps: TokenClaimsDeps) {
    const optional = [...deps.plan.idTokenNames];
    // email_verified travels with email (it says whether to trust it); it is Foyer's, never optional.
    if (deps.plan.idTokenNames.has('email')) optional.push('email_verified');
    this.openidClaims = ['roles', 'groups', ...optional];
    const scoped = new Set(Object.entries(deps.scopeClaims).flatMap(([scope, names]) => (scope === 'openid' ? [] : names)));
    this.widened = new Set(optional.filter((n) => scoped.has(n)));
  }

  /** ID token and userinfo: `base` is Foyer's own claims for the user, `scope` what was granted. */
  async forIdToken(request: object | undefined, clientId: string, user: User, base: Claims, scope: string): Promise<Claims> {
    const plan = this.deps.plan.apps.get(clientId);
    const own = this.widened.size ? this.scoped(base, scope, plan) : base;
    if (!addsAnything(plan)) return own;
    const facts = await this.facts(request, plan, user);
    return { ...this.optional(plan.idToken, user, facts), ...own, ...this.decisions(plan, user, facts) };
  }

  /** Drops the widened base claims that neither the granted scope nor this app's optional claims release. */
  private scoped(base: Claims, scope: string, plan: AppClaimsPlan | undefined): Claims {
    const granted = new Set(scope.split(' ').flatMap((s) => this.deps.scopeClaims[s] ?? []));
    const asked = new Set(plan?.idToken.map((c) => c.name));
    if (asked.has('email')) asked.add('email_verified');
    return Object.fromEntries(Object.entries(base).filter(([name]) => !this.widened.has(name) || granted.has(name) || asked.has(name)));
  }

  /** An access token's additions (JWT payload or opaque token's introspection), or undefined. */
  async forAccessToken(request: object | undefined, clientId: string, user: User): Promise<Claims | undefined> {
    const plan = this.deps.plan.apps.get(clientId);
    if (!addsAnything(plan)) return undefined;
    const facts = await this.facts(request, plan, user);
    return { ...this.optional(plan.accessToken, user, facts), ...this.decisions(plan, user, facts) };
  }

  private decisions(plan: AppClaimsPlan, user: User, facts: Facts): Claims {
    const out: Claims = {};
    const directory = facts.directory;
    if (!directory) return out;
    const roles = [...directory.roleIds].map((id) => plan.roles.get(id)).filter((v): v is string => v !== undefined).sort();
    if (roles.length) out.roles = roles;
    if (plan.groups !== 'None') {
      const groups = plan.groups === 'ApplicationGroup' ? directory.groupIds.filter((g) => directory.assignedGroupIds.has(g)) : directory.groupIds;
      if (groups.length > plan.groupsLimit) {
        // Entra's overage: no list, and where the app can read it instead (with User.Read.All).
        out._claim_names = { groups: 'src1' };
        out._claim_sources = { src1: { endpoint: `${this.deps.issuer}/v1.0/users/${user.id}/memberOf` } };
      } else if (groups.length) {
        out.groups = [...groups].sort();
      }
    }
    return out;
  }

  private optional(claims: PlannedClaim[], user: User, facts: Facts): Claims {
    const out: Claims = {};
    for (const claim of claims) {
      const value = claim.source.kind === 'foyer' ? foyerValue(claim.name, user, facts) : upstreamValue(claim.source.from, facts.upstream ?? []);
      if (value !== undefined) out[claim.name] = value;
    }
    return out;
  }

  private facts(request: object | undefined, plan: AppClaimsPlan, user: User): Promise<Facts> {
    if (!request) return this.read(plan, user);
    let perUser = this.perRequest.get(request);
    if (!perUser) this.perRequest.set(request, (perUser = new Map()));
    const key = `${plan.appId}\n${user.id}`;
    let facts = perUser.get(key);
    if (!facts) perUser.set(key, (facts = this.read(plan, user)));
    return facts;
  }

  private async read(plan: AppClaimsPlan, user: User): Promise<Facts> {
    const [directory, upstream, home] = await Promise.all([
      plan.readsDirectory ? directoryFacts(this.deps.db, plan.appId, user.id) : undefined,
      plan.readsUpstream ? this.deps.upstream.forUser(user.id) : undefined,
      plan.readsHomeTenant && this.deps.homeTenant ? this.deps.homeTenant(user) : undefined,
    ]);
    return { directory, upstream, home };
  }
}

function foyerValue(name: string, user: User, facts: Facts): unknown {
  switch (name) {
    case 'email':
    case 'preferred_username':
      return user.mail;
    case 'name':
      return user.displayName;
    case 'user_type':
      return user.userType;
    case 'home_tenant_id':
      return facts.home?.id;
    case 'home_tenant_name':
      return facts.home?.name;
    default:
      return undefined;
  }
}

/** The value from the IdP the guest signed in with most recently that says it: one value as text, several as a list. */
function upstreamValue(from: Map<string, string>, stored: StoredUpstreamClaims[]): unknown {
  for (const row of stored) {
    const name = from.get(row.idpId);
    const values = name === undefined ? undefined : row.claims[name];
    if (values?.length) return values.length === 1 ? values[0] : values;
  }
  return undefined;
}
