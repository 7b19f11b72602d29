import type { InteractionResults, KoaContextWithOIDC } from 'oidc-provider';
import type { ConditionalAccessPolicy, NamedLocation, TermsOfUse } from '../config/policies-schema.js';
import { accountUsable } from '../directory/account-usable.js';
import type { GroupsRepository } from '../directory/groups-repository.js';
import type { User } from '../directory/user-model.js';
import type { UsersRepository } from '../directory/users-repository.js';
import { firstFactorOf, type AuthMethod } from '../strengths/authentication-methods.js';
import type { StrengthCatalog } from '../strengths/strength-catalog.js';
import { ACR_MFA } from './acr.js';
import { evaluate, type AccessDecision, type SignInContext } from './evaluate.js';
import { FACTS_RESULT_KEY, type SignInFacts, type SignInFactsStore } from './sign-in-facts.js';
import type { TermsRepository } from './terms-repository.js';

export interface AccessSettings {
  policies: ConditionalAccessPolicy[];
  namedLocations: NamedLocation[];
  termsOfUse: TermsOfUse[];
}

export interface AccessEvaluation {
  user: User;
  context: SignInContext;
  decision: AccessDecision;
  facts: SignInFacts;
  /** The app asked for `urn:foyer:acr:mfa` in acr_values. */
  appRequestsMfa: boolean;
  /** …and the session's acr is not one the app accepts, so MFA must happen now. */
  mfaRequestedByApp: boolean;
  /** The strength the app asked for in acr_values (urn:foyer:strength:<id>) when the session meets none it asked for. */
  strengthRequestedByApp?: string;
  /** What the session did (src/strengths/), for the MFA step and the sign-in log. */
  methods: AuthMethod[];
}

/**
 * Gathers what `evaluate()` needs for one sign-in (the user and their groups, the app, the session's
 * IdP and MFA, accepted terms, the client IP) and runs it. Within one HTTP request the result is
 * computed once and shared by every check of the interaction policy and by the sign-in log.
 */
export class AccessEngine {
  private readonly memo = new WeakMap<object, Promise<AccessEvaluation | undefined>>();
  private readonly usesGroups: boolean;
  private readonly usesTerms: boolean;
  private readonly usesTenants: boolean;
  /** The strengths live policies require: only these are checked per sign-in. */
  private readonly policyStrengths: string[];

  constructor(
    private readonly deps: {
      settings: AccessSettings;
      users: UsersRepository;
      groups: GroupsRepository;
      terms: TermsRepository;
      facts: SignInFactsStore;
      /** The partner organisations a user belongs to (src/partners/), for policies naming externalTenants. */
      homeTenants?: (user: User) => Promise<string[]>;
      /** Authentication strengths (src/strengths/): built-ins and config's authenticationStrengths. */
      strengths: StrengthCatalog;
    },
  ) {
    const live = deps.settings.policies.filter((p) => p.state !== 'disabled');
    this.usesTenants = live.some((p) => [p.conditions.users.includeGuestsOrExternalUsers, p.conditions.users.excludeGuestsOrExternalUsers].some((g) => g?.externalTenants.membershipKind === 'enumerated'));
    this.usesGroups = live.some((p) => p.conditions.users.includeGroups.length > 0 || p.conditions.users.excludeGroups.length > 0);
    this.policyStrengths = [...new Set(live.flatMap((p) => (p.grantControls?.authenticationStrength ? [p.grantControls.authenticationStrength] : [])))];
    this.usesTerms = live.some((p) => p.grantControls && (p.grantControls.termsOfUse.length > 0 || p.grantControls.builtInControls.includes('termsOfUse')));
  }

  get settings(): AccessSettings {
    return this.deps.settings;
  }

  /** The decision for `user` signing in to `appId`: shared by the protocol and `foyer policy what-if`. */
  async evaluateFor(input: { user: User; appId: string; identityProvider?: string; ipAddress?: string; mfa: boolean; methods?: readonly AuthMethod[] }): Promise<{ context: SignInContext; decision: AccessDecision }> {
    const { user } = input;
    const groupIds = this.usesGroups ? (await this.deps.groups.groupsOf('members', user.id)).map((g) => g.id) : [];
    const accepted = this.usesTerms ? await this.deps.terms.acceptedBy(user.id) : [];
    const termsOfUse = this.deps.settings.termsOfUse.filter((t) => accepted.some((a) => a.termsId === t.id && a.version === t.version)).map((t) => t.id);
    const homeTenants = this.usesTenants && this.deps.homeTenants ? await this.deps.homeTenants(user) : [];
    const context: SignInContext = {
      user: { id: user.id, mail: user.mail, userType: user.userType, groupIds, externalType: externalTypeOf(user), homeTenants },
      appId: input.appId,
      identityProvider: input.identityProvider,
      ipAddress: input.ipAddress,
      // Strengths cost no lookup: the session's methods came with its sign-in facts.
      satisfied: { mfa: input.mfa, termsOfUse, strengths: this.deps.strengths.met(this.policyStrengths, input.methods ?? []), methods: input.methods ?? [] },
    };
    const decision = evaluate(this.deps.settings.policies, context, {
      namedLocations: this.deps.settings.namedLocations,
      termsOfUseIds: this.deps.settings.termsOfUse.map((t) => t.id),
    });
    return { context, decision };
  }

  /** For an authorization request with a signed-in session (undefined without one); once per request. */
  forRequest(ctx: KoaContextWithOIDC): Promise<AccessEvaluation | undefined> {
    let pending = this.memo.get(ctx);
    if (!pending) {
      pending = this.compute(ctx);
      this.memo.set(ctx, pending);
    }
    return pending;
  }

  /** What the session's login recorded (for the mfa step, which runs outside the authorization request). */
  async factsForSession(sessionUid: string | undefined, accountId: string): Promise<SignInFacts> {
    const stored = sessionUid ? await this.deps.facts.find(sessionUid) : undefined;
    return stored?.accountId === accountId ? stored : { accountId };
  }

  private async compute(ctx: KoaContextWithOIDC): Promise<AccessEvaluation | undefined> {
    const session = ctx.oidc.session;
    const accountId = session?.accountId;
    const client = ctx.oidc.client;
    if (!session || !accountId || !client) return undefined;
    const user = await this.deps.users.findByIdInRequest(ctx, accountId);
    if (!user || !accountUsable(user, this.deps.users.clock.now())) return undefined;
    const facts = await this.sessionFacts(ctx, accountId);
    const amr = session.amr ?? [];
    const methods = facts.methods ?? firstFactorOf(facts.identityProvider, amr);
    const { context, decision } = await this.evaluateFor({ user, appId: client.clientId, identityProvider: facts.identityProvider, ipAddress: ctx.ip, mfa: amr.includes('mfa'), methods });
    const acceptable = requestedAcrs(ctx);
    const acceptedAcr = acceptable.includes(session.acr ?? '');
    const appRequestsMfa = acceptable.includes(ACR_MFA);
    const mfaRequestedByApp = appRequestsMfa && !acceptedAcr && !amr.includes('mfa');
    return { user, context, decision, facts, appRequestsMfa, mfaRequestedByApp, strengthRequestedByApp: this.requestedStrength(acceptable, acceptedAcr || (appRequestsMfa && amr.includes('mfa')), methods), methods };
  }

  /**
   * acr_values naming strengths (urn:foyer:strength:<id>), in order of preference: met when the
   * session meets any of them (or an acr the app also accepts); otherwise the first one is required,
   * so an app asking for a strength never gets a session that met a weaker one.
   */
  private requestedStrength(acceptable: readonly string[], acceptedOtherwise: boolean, methods: readonly AuthMethod[]): string | undefined {
    const asked = acceptable.filter((a) => a !== ACR_MFA).flatMap((a) => this.deps.strengths.fromAcr(a) ?? []);
    if (asked.length === 0 || acceptedOtherwise) return undefined;
    return asked.some((id) => this.deps.strengths.metBy(id, methods)) ? undefined : asked[0];
  }

  /**
   * Right after a login (the request resuming it) the facts come with the login result and are
   * saved for the session; on later requests (SSO) they are read back by the session's uid.
   */
  private async sessionFacts(ctx: KoaContextWithOIDC, accountId: string): Promise<SignInFacts> {
    const session = ctx.oidc.session!;
    const result = ctx.oidc.result as InteractionResults | undefined;
    if (result?.login?.accountId !== accountId) return this.factsForSession(session.uid, accountId);
    const carried = result[FACTS_RESULT_KEY] as Partial<SignInFacts> | undefined;
    const mfa = (session.amr ?? []).includes('mfa');
    const facts: SignInFacts = {
      accountId,
      ...(carried?.identityProvider ? { identityProvider: carried.identityProvider } : {}),
      ...(mfa ? { mfaMethod: carried?.mfaMethod ?? 'trustedUpstream' } : {}),
      ...(Array.isArray(carried?.methods) ? { methods: carried.methods } : {}),
    };
    await this.deps.facts.save(session.uid, facts);
    return facts;
  }
}

/** The acr values the app will accept (`acr_values`, space-separated, in order of preference). */
export function requestedAcrs(ctx: KoaContextWithOIDC): string[] {
  return String(ctx.oidc.params?.acr_values ?? '').split(' ').filter(Boolean);
}

/** Graph's kinds of external user, as Foyer has them: guests, and people invited as members. */
function externalTypeOf(user: User): SignInContext['user']['externalType'] {
  if (user.userType === 'Guest') return 'b2bCollaborationGuest';
  return user.externalUserState ? 'b2bCollaborationMember' : undefined;
}
