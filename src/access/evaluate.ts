import type { ConditionalAccessPolicy, ExternalUserType, GuestsOrExternalUsers, NamedLocation } from '../config/policies-schema.js';
import { parseCidr, parseIp, rangeContains, type IpAddress } from './ip-ranges.js';
import { englishReason, type ConditionReason, type PolicyReason, type UserMatch } from './policy-reasons.js';

/**
 * Conditional access evaluation (DESIGN.md step 7): which policies apply to one sign-in, and what
 * the sign-in must still do. A pure function of its inputs (no clock, no I/O), so the same code
 * answers the protocol's mfa prompt, the what-if command and the unit tests.
 *
 * Semantics follow Entra: within a condition, exclude wins over include; a policy applies when all
 * its conditions do; every applying enforced policy must be satisfied; block wins over everything;
 * report-only policies are evaluated and traced but never change the decision; disabled ones are
 * skipped.
 */

export interface SignInContext {
  user: {
    id: string;
    mail: string;
    userType: 'Member' | 'Guest';
    groupIds: readonly string[];
    /** What kind of external user this is (Graph's guestOrExternalUserTypes); undefined: not external. */
    externalType?: ExternalUserType;
    /** The partner organisations (partners[].id) the user belongs to, for externalTenants. */
    homeTenants?: readonly string[];
  };
  appId: string;
  /** The upstream IdP (config id, "email-otp", or "local" for passwords); undefined when unknown. */
  identityProvider?: string;
  ipAddress?: string;
  /**
   * What this sign-in has already done: MFA in the session, terms of use accepted (ids, current
   * version), the authentication strengths it met (id → the combination that met it, see
   * src/strengths/) and its methods ("password,totp"), which say what satisfied an MFA control.
   */
  satisfied?: { mfa?: boolean; termsOfUse?: readonly string[]; strengths?: Readonly<Record<string, string>>; methods?: readonly string[] };
}

/** Graph's appliedConditionalAccessPolicy.result values. */
export type PolicyResult =
  | 'success'
  | 'failure'
  | 'notApplied'
  | 'notEnabled'
  | 'reportOnlySuccess'
  | 'reportOnlyFailure'
  | 'reportOnlyNotApplied'
  | 'reportOnlyInterrupted';

export interface PolicyTrace {
  id: string;
  displayName: string;
  state: ConditionalAccessPolicy['state'];
  reportOnly: boolean;
  /** All conditions matched. */
  applied: boolean;
  /** Why it applied, or the first condition that did not match, in English (the CLI, Graph's sign-in log). */
  reason: string;
  /** The same as a stable code and parameters, for pages in other languages (policy-reasons.ts). */
  why: PolicyReason;
  result: PolicyResult;
  /** The policy's grant controls: "block", "mfa", "authenticationStrength:<id>", "termsOfUse:<id>". */
  enforcedGrantControls: string[];
  enforcedSessionControls: string[];
  /** Grant controls this sign-in has not satisfied yet. */
  unmet: string[];
  /** Graph's authenticationStrength of an applied policy that requires one (Foyer adds satisfiedBy). */
  authenticationStrength?: { authenticationStrengthId: string; authenticationStrengthResult: 'satisfied' | 'singleChallengeRequired'; satisfiedBy?: string };
  /** The methods that met the policy's MFA or strength control, e.g. "federated,upstreamPasskey". */
  satisfiedBy?: string;
}

export interface AccessDecision {
  result: 'allow' | 'block' | 'challenge';
  /** What the sign-in must still do (empty unless `challenge`): MFA or strengths first, then terms in order. */
  required: { mfa: boolean; authenticationStrengths: string[]; termsOfUse: string[] };
  /** The strictest signInFrequency of the enforced policies that apply. */
  signInFrequencySeconds?: number;
  conditionalAccessStatus: 'success' | 'failure' | 'notApplied';
  trace: PolicyTrace[];
}

export interface EvaluationEnvironment {
  namedLocations?: readonly NamedLocation[];
  /** Ids of every configured terms of use (what `builtInControls: [termsOfUse]` alone requires). */
  termsOfUseIds?: readonly string[];
}

type Control = 'mfa' | `authenticationStrength:${string}` | `termsOfUse:${string}`;
const STRENGTH = 'authenticationStrength:';
interface Verdict {
  applies: boolean;
  why: ConditionReason;
}

/** A trace's reason in both forms: the code the console translates and the English everyone else reads. */
function because(why: PolicyReason): Pick<PolicyTrace, 'reason' | 'why'> {
  return { reason: englishReason(why), why };
}

export function evaluate(policies: readonly ConditionalAccessPolicy[], context: SignInContext, env: EvaluationEnvironment = {}): AccessDecision {
  const where = locate(context.ipAddress, env.namedLocations ?? []);
  const trace: PolicyTrace[] = [];
  const blockers: string[] = [];
  const required = new Set<Control>();
  const alternatives: Control[][] = [];
  let enforcedApplied = false;
  let unsatisfied = false;
  let frequency: number | undefined;

  for (const policy of policies) {
    const reportOnly = policy.state === 'enabledForReportingButNotEnforced';
    const { block, controls, operator } = controlsOf(policy, env.termsOfUseIds ?? []);
    const sif = policy.sessionControls?.signInFrequency;
    const base = {
      id: policy.id,
      displayName: policy.displayName,
      state: policy.state,
      reportOnly,
      enforcedGrantControls: block ? ['block'] : [...controls],
      enforcedSessionControls: sif?.isEnabled ? ['signInFrequency'] : [],
    };
    if (policy.state === 'disabled') {
      trace.push({ ...base, applied: false, ...because({ code: 'policyDisabled' }), result: 'notEnabled', unmet: [] });
      continue;
    }
    const verdicts = [users(policy, context), applications(policy, context), identityProviders(policy, context), locations(policy, where)];
    const miss = verdicts.find((v) => !v.applies);
    if (miss) {
      trace.push({ ...base, applied: false, ...because(miss.why), result: reportOnly ? 'reportOnlyNotApplied' : 'notApplied', unmet: [] });
      continue;
    }
    const unmet = controls.filter((c) => !isSatisfied(c, context));
    const satisfied = block ? false : operator === 'AND' ? unmet.length === 0 : controls.length === 0 || unmet.length < controls.length;
    const result: PolicyResult = block ? (reportOnly ? 'reportOnlyFailure' : 'failure') : satisfied ? (reportOnly ? 'reportOnlySuccess' : 'success') : reportOnly ? 'reportOnlyInterrupted' : 'failure';
    trace.push({ ...base, applied: true, ...because({ code: 'applies', conditions: verdicts.map((v) => v.why) }), result, unmet: block ? ['block'] : satisfied ? [] : unmet, ...strengthTrace(controls, unmet, context) });
    if (reportOnly) continue;

    enforcedApplied = true;
    if (sif?.isEnabled) frequency = Math.min(frequency ?? Infinity, sif.value * (sif.type === 'hours' ? 3600 : 86_400));
    if (block) blockers.push(policy.id);
    else if (!satisfied) {
      unsatisfied = true;
      if (operator === 'AND' || unmet.length === 1) unmet.forEach((c) => required.add(c));
      else alternatives.push(unmet);
    }
  }

  // An OR policy is covered when one of its controls is already required by another policy;
  // otherwise its first listed control is asked for (Entra lets the user pick; Foyer keeps it simple).
  for (const options of alternatives) {
    if (!options.some((c) => required.has(c))) required.add(options[0]!);
  }

  const status = blockers.length || unsatisfied ? 'failure' : enforcedApplied ? 'success' : 'notApplied';
  if (blockers.length) return { result: 'block', required: { mfa: false, authenticationStrengths: [], termsOfUse: [] }, signInFrequencySeconds: frequency, conditionalAccessStatus: status, trace };
  const terms = [...required].filter((c) => c.startsWith('termsOfUse:')).map((c) => c.slice('termsOfUse:'.length));
  const strengths = [...required].filter((c) => c.startsWith(STRENGTH)).map((c) => c.slice(STRENGTH.length));
  const mfa = required.has('mfa');
  return {
    result: mfa || strengths.length || terms.length ? 'challenge' : 'allow',
    required: { mfa, authenticationStrengths: strengths, termsOfUse: terms },
    signInFrequencySeconds: frequency,
    conditionalAccessStatus: status,
    trace,
  };
}

function controlsOf(policy: ConditionalAccessPolicy, allTerms: readonly string[]): { block: boolean; controls: Control[]; operator: 'AND' | 'OR' } {
  const grant = policy.grantControls;
  if (!grant) return { block: false, controls: [], operator: 'AND' };
  const builtIn = grant.builtInControls;
  const termIds = grant.termsOfUse.length ? grant.termsOfUse : builtIn.includes('termsOfUse') ? allTerms : [];
  return {
    block: builtIn.includes('block'),
    controls: [
      ...(builtIn.includes('mfa') ? (['mfa'] as const) : []),
      ...(grant.authenticationStrength ? [`${STRENGTH}${grant.authenticationStrength}` as const] : []),
      ...termIds.map((id) => `termsOfUse:${id}` as const),
    ],
    operator: grant.operator,
  };
}

function isSatisfied(control: Control, context: SignInContext): boolean {
  if (control === 'mfa') return Boolean(context.satisfied?.mfa);
  if (control.startsWith(STRENGTH)) return context.satisfied?.strengths?.[control.slice(STRENGTH.length)] !== undefined;
  return (context.satisfied?.termsOfUse ?? []).includes(control.slice('termsOfUse:'.length));
}

/** What met the policy's MFA or strength control (for what-if and the sign-in log); nothing for other policies. */
function strengthTrace(controls: readonly Control[], unmet: readonly Control[], context: SignInContext): Pick<PolicyTrace, 'authenticationStrength' | 'satisfiedBy'> {
  const strength = controls.find((c) => c.startsWith(STRENGTH))?.slice(STRENGTH.length);
  if (strength) {
    const by = context.satisfied?.strengths?.[strength];
    const met = by !== undefined && !unmet.includes(`${STRENGTH}${strength}`);
    return { authenticationStrength: { authenticationStrengthId: strength, authenticationStrengthResult: met ? 'satisfied' : 'singleChallengeRequired', ...(met ? { satisfiedBy: by } : {}) }, ...(met ? { satisfiedBy: by } : {}) };
  }
  const methods = context.satisfied?.methods;
  return controls.includes('mfa') && !unmet.includes('mfa') && methods?.length ? { satisfiedBy: methods.join(',') } : {};
}

function users(policy: ConditionalAccessPolicy, { user }: SignInContext): Verdict {
  const c = policy.conditions.users;
  const groups = new Set(user.groupIds.map((g) => g.toLowerCase()));
  const byRef = (ref: string): { match: UserMatch; ref?: string } => {
    if (ref === 'All') return { match: 'all' };
    if (ref === 'GuestsOrExternalUsers') return { match: 'guests' };
    if (ref === 'Members') return { match: 'members' };
    return ref.includes('@') ? { match: 'email', ref } : { match: 'userId', ref };
  };
  const excluded = c.excludeUsers.find((r) => matchesUser(r, user));
  if (excluded) return { applies: false, why: { code: 'userExcluded', params: byRef(excluded) } };
  const excludedGroup = c.excludeGroups.find((g) => groups.has(g));
  if (excludedGroup) return { applies: false, why: { code: 'userExcluded', params: { match: 'group', ref: excludedGroup } } };
  const excludedExternal = c.excludeGuestsOrExternalUsers && matchesExternal(c.excludeGuestsOrExternalUsers, user);
  if (excludedExternal) return { applies: false, why: { code: 'userExcluded', params: excludedExternal } };
  const included = c.includeUsers.find((r) => matchesUser(r, user));
  if (included) return { applies: true, why: { code: 'userIncluded', params: byRef(included) } };
  const includedGroup = c.includeGroups.find((g) => groups.has(g));
  if (includedGroup) return { applies: true, why: { code: 'userIncluded', params: { match: 'group', ref: includedGroup } } };
  const includedExternal = c.includeGuestsOrExternalUsers && matchesExternal(c.includeGuestsOrExternalUsers, user);
  if (includedExternal) return { applies: true, why: { code: 'userIncluded', params: includedExternal } };
  return { applies: false, why: { code: 'userNotIncluded' } };
}

/** Graph's guestsOrExternalUsers condition: the kind of external user, from which partner organisations. Returns why it matched. */
function matchesExternal(condition: GuestsOrExternalUsers, user: SignInContext['user']): { match: UserMatch; type: string; partner?: string } | undefined {
  if (!user.externalType || !condition.guestOrExternalUserTypes.includes(user.externalType)) return undefined;
  const tenants = condition.externalTenants;
  if (tenants.membershipKind === 'all') return { match: 'externalAny', type: user.externalType };
  const partner = (user.homeTenants ?? []).find((t) => tenants.members.includes(t));
  return partner ? { match: 'externalPartner', type: user.externalType, partner } : undefined;
}

function matchesUser(ref: string, user: SignInContext['user']): boolean {
  switch (ref) {
    case 'All':
      return true;
    case 'None':
      return false;
    case 'GuestsOrExternalUsers':
      return user.userType === 'Guest';
    case 'Members':
      return user.userType === 'Member';
    default:
      return ref.includes('@') ? ref === user.mail.trim().toLowerCase() : ref === user.id.toLowerCase();
  }
}

function applications(policy: ConditionalAccessPolicy, { appId }: SignInContext): Verdict {
  const c = policy.conditions.applications;
  if (c.excludeApplications.includes(appId)) return { applies: false, why: { code: 'appExcluded', params: { app: appId } } };
  if (c.includeApplications.includes(appId)) return { applies: true, why: { code: 'appIncluded', params: { app: appId } } };
  if (c.includeApplications.includes('All')) return { applies: true, why: { code: 'appIncludedAll' } };
  return { applies: false, why: { code: 'appNotIncluded', params: { app: appId } } };
}

function identityProviders(policy: ConditionalAccessPolicy, { identityProvider: idp }: SignInContext): Verdict {
  const c = policy.conditions.identityProviders;
  if (!c) return { applies: true, why: { code: 'anyIdentityProvider' } };
  // Unknown (a session from before Foyer recorded it): the policy still applies, so a gap in what
  // Foyer knows never lets a sign-in past a policy meant for it.
  if (idp === undefined) return { applies: true, why: { code: 'identityProviderUnknown' } };
  if (c.excludeIdentityProviders.includes(idp)) return { applies: false, why: { code: 'identityProviderExcluded', params: { idp } } };
  if (c.includeIdentityProviders.includes(idp)) return { applies: true, why: { code: 'identityProviderIncluded', params: { idp } } };
  if (c.includeIdentityProviders.includes('All')) return { applies: true, why: { code: 'identityProviderIncludedAll', params: { idp } } };
  return { applies: false, why: { code: 'identityProviderNotIncluded', params: { idp } } };
}

interface Located {
  ip?: string;
  locations: readonly NamedLocation[];
}

function locate(ipAddress: string | undefined, named: readonly NamedLocation[]): Located {
  const ip: IpAddress | undefined = parseIp(ipAddress);
  if (!ip) return { ip: ipAddress, locations: [] };
  return {
    ip: ipAddress,
    locations: named.filter((l) => l.ipRanges.some((r) => {
      const range = parseCidr(r);
      return range !== undefined && rangeContains(range, ip);
    })),
  };
}

function locations(policy: ConditionalAccessPolicy, where: Located): Verdict {
  const c = policy.conditions.locations;
  if (!c) return { applies: true, why: { code: 'anyLocation' } };
  const ip = where.ip;
  const matches = (ref: string) => (ref === 'All' ? true : ref === 'AllTrusted' ? where.locations.some((l) => l.isTrusted) : where.locations.some((l) => l.id === ref));
  const excluded = c.excludeLocations.find(matches);
  if (excluded) return { applies: false, why: { code: 'locationExcluded', params: { ip, location: excluded } } };
  const included = c.includeLocations.find(matches);
  if (included) return { applies: true, why: included === 'All' ? { code: 'locationIncludedAll', params: { ip } } : { code: 'locationIncluded', params: { ip, location: included } } };
  return { applies: false, why: { code: 'locationNotIncluded', params: { ip, locations: c.includeLocations.join(', ') } } };
}
