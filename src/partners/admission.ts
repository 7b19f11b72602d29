import type { PartnerTarget, TargetConfiguration } from '../config/partners-schema.js';
import { PORTAL_CLIENT_ID } from '../portal/portal-client.js';
import type { PartnerDirectory, PartnerSettings } from './partner-directory.js';

/**
 * Who may come in, with which IdP, to which app: one pure decision over the partner settings that
 * touch a person, the same at invitation, redemption, every sign-in, single sign-on and token
 * refresh (the callers gather what they know at that moment).
 *
 * Read as an attacker would: a person is held to EVERY organisation that claims them (by their
 * address's domain, by the IdP they sign in with now, by every IdP their account is linked to), so
 * a guest of a blocked partner gets nowhere by trying another IdP, another address or an old
 * session. Only a proven address can admit someone by name; any address they carry can refuse them.
 */

export type RefusalCode = 'partnerBlocked' | 'partnerUserNotAllowed' | 'partnerIdentityProviderNotAllowed' | 'partnerAppNotAllowed';

/** Most fundamental first: the one shown when several apply. */
const PRECEDENCE: RefusalCode[] = ['partnerBlocked', 'partnerUserNotAllowed', 'partnerIdentityProviderNotAllowed', 'partnerAppNotAllowed'];

export interface AdmissionSubject {
  /** The account's proven address (the directory user's, or the invited one). */
  email?: string;
  /** Addresses the sign-in carries besides (an upstream's email, verified or not): they can only refuse. */
  otherEmails?: string[];
  /** The IdP of this sign-in (or of the session); undefined when not known (an invitation). */
  idpId?: string;
  /** IdPs of the identities linked to the account. */
  linkedIdpIds?: string[];
  /** What each IdP asserted at the person's last sign-in with it (claim → values); undefined: not known yet (an invitation). */
  assertions?: Record<string, Record<string, string[]>>;
  /** The app being signed in to or invited to; undefined when the question is not about an app. */
  appId?: string;
}

export interface Verdict {
  allowed: boolean;
  /** Not decided yet: a group target needs the IdP's claims (at invitation). */
  pending?: boolean;
  code?: RefusalCode;
  why: string;
}

export interface PartnerVerdicts {
  partner: PartnerSettings;
  /** How the person came to be this organisation's: "domain fabrikam.com", "identity provider fabrikam". */
  matchedBy: string[];
  users: Verdict;
  identityProvider?: Verdict;
  applications?: Verdict;
}

export interface AdmissionDecision {
  allowed: boolean;
  /** The refusal to show (the most fundamental one), when not allowed. */
  refusal?: { code: RefusalCode; partner: PartnerSettings; why: string };
  /** Every organisation's settings that applied, with each verdict: for what-if and the logs. */
  applied: PartnerVerdicts[];
}

export function admit(directory: PartnerDirectory, subject: AdmissionSubject): AdmissionDecision {
  const applied = matchPartners(directory, subject).map(({ partner, matchedBy }) => verdictsFor(partner, matchedBy, subject));
  const refusals = applied.flatMap((a) =>
    [a.users, a.identityProvider, a.applications].filter((v): v is Verdict => Boolean(v && !v.allowed)).map((v) => ({ code: v.code!, partner: a.partner, why: v.why })),
  );
  refusals.sort((a, b) => PRECEDENCE.indexOf(a.code) - PRECEDENCE.indexOf(b.code));
  return refusals.length ? { allowed: false, refusal: refusals[0], applied } : { allowed: true, applied };
}

/** Every organisation that claims the person, or partnerDefaults when none does. */
export function matchPartners(directory: PartnerDirectory, subject: AdmissionSubject): { partner: PartnerSettings; matchedBy: string[] }[] {
  const found = new Map<PartnerSettings, string[]>();
  const add = (partner: PartnerSettings | undefined, why: string) => {
    if (!partner) return;
    const reasons = found.get(partner) ?? [];
    if (!reasons.includes(why)) reasons.push(why);
    found.set(partner, reasons);
  };
  if (subject.email) add(directory.byEmail(subject.email), `domain ${domainOf(subject.email)}`);
  add(directory.byIdp(subject.idpId), `identity provider ${subject.idpId}`);
  for (const idp of subject.linkedIdpIds ?? []) add(directory.byIdp(idp), `linked identity provider ${idp}`);
  // Someone no partner claims by their proven address or their IdPs is held to partnerDefaults; an
  // unproven address claiming a partner's domain adds that partner's rules, never replaces these.
  if (found.size === 0) add(directory.defaults, 'no partner claims this address or identity provider');
  for (const email of subject.otherEmails ?? []) add(directory.byEmail(email), `domain ${domainOf(email)} (of the address the identity provider gave)`);
  return [...found].map(([partner, matchedBy]) => ({ partner, matchedBy }));
}

function verdictsFor(partner: PartnerSettings, matchedBy: string[], subject: AdmissionSubject): PartnerVerdicts {
  return {
    partner,
    matchedBy,
    users: usersVerdict(partner, subject),
    ...(subject.idpId !== undefined ? { identityProvider: idpVerdict(partner, subject.idpId) } : {}),
    ...(subject.appId !== undefined ? { applications: appVerdict(partner, subject.appId) } : {}),
  };
}

function usersVerdict(partner: PartnerSettings, subject: AdmissionSubject): Verdict {
  const config = partner.usersAndGroups;
  const proven = subject.email?.trim().toLowerCase();
  const carried = [proven, ...(subject.otherEmails ?? []).map((e) => e.trim().toLowerCase())].filter((e): e is string => Boolean(e));
  const claims = subject.assertions && assertedBy(partner, subject.assertions);
  const groupTargets = config.targets.filter((t) => t.targetType === 'group');

  if (config.accessType === 'blocked') {
    if (config.targets.some((t) => t.target === 'AllUsers')) return refuse('partnerBlocked', 'usersAndGroups: blocked for AllUsers');
    const byAddress = config.targets.find((t) => t.targetType === 'user' && carried.includes(t.target));
    if (byAddress) return refuse('partnerUserNotAllowed', `usersAndGroups: ${byAddress.target} is blocked`);
    const byGroup = claims && groupTargets.find((t) => holds(claims, t));
    if (byGroup) return refuse('partnerUserNotAllowed', `usersAndGroups: members of ${describeGroup(byGroup)} are blocked`);
    if (!claims && groupTargets.length) return { allowed: true, pending: true, why: `usersAndGroups: blocked for ${groupTargets.map(describeGroup).join(', ')}, which the partner's IdP says at sign-in` };
    return { allowed: true, why: 'usersAndGroups: not among those blocked' };
  }

  if (config.targets.some((t) => t.target === 'AllUsers')) return { allowed: true, why: 'usersAndGroups: allowed for AllUsers' };
  const byAddress = proven ? config.targets.find((t) => t.targetType === 'user' && t.target === proven) : undefined;
  if (byAddress) return { allowed: true, why: `usersAndGroups: ${byAddress.target} is allowed` };
  const byGroup = claims && groupTargets.find((t) => holds(claims, t));
  if (byGroup) return { allowed: true, why: `usersAndGroups: allowed as a member of ${describeGroup(byGroup)}` };
  if (!claims && groupTargets.length) return { allowed: true, pending: true, why: `usersAndGroups: allowed for ${groupTargets.map(describeGroup).join(', ')}, which the partner's IdP says at sign-in` };
  return refuse('partnerUserNotAllowed', `usersAndGroups: only ${describeTargets(config)} may come in`);
}

function idpVerdict(partner: PartnerSettings, idpId: string): Verdict {
  if (partner.identityProviders.length === 0) return { allowed: true, why: 'identityProviders: any' };
  if (partner.identityProviders.includes(idpId)) return { allowed: true, why: `identityProviders: ${idpId} is one of ${partner.identityProviders.join(', ')}` };
  return refuse('partnerIdentityProviderNotAllowed', `identityProviders: ${idpId} is not one of ${partner.identityProviders.join(', ')}`);
}

function appVerdict(partner: PartnerSettings, appId: string): Verdict {
  // My Apps is where an admitted guest sees their apps and can leave: never refused on its own.
  if (appId === PORTAL_CLIENT_ID) return { allowed: true, why: 'applications: My Apps is open to every guest who may come in' };
  const config = partner.applications;
  const listed = config.targets.some((t) => t.target === 'AllApplications' || t.target === appId);
  if (config.accessType === 'allowed') {
    return listed ? { allowed: true, why: `applications: ${appId} is allowed (${describeTargets(config)})` } : refuse('partnerAppNotAllowed', `applications: only ${describeTargets(config)}`);
  }
  return listed ? refuse('partnerAppNotAllowed', `applications: ${appId} is blocked (${describeTargets(config)})`) : { allowed: true, why: `applications: ${appId} is not among those blocked` };
}

function refuse(code: RefusalCode, why: string): Verdict {
  return { allowed: false, code, why };
}

/** The claims the partner's own IdPs asserted (another IdP's claims say nothing about this organisation). */
function assertedBy(partner: PartnerSettings, assertions: Record<string, Record<string, string[]>>): Record<string, string[]> {
  const merged: Record<string, string[]> = {};
  for (const idp of partner.dedicatedIdps) {
    for (const [claim, values] of Object.entries(assertions[idp] ?? {})) (merged[claim] ??= []).push(...values);
  }
  return merged;
}

function holds(claims: Record<string, string[]>, target: PartnerTarget): boolean {
  return Object.hasOwn(claims, target.claim!) && claims[target.claim!]!.includes(target.target);
}

function describeGroup(t: PartnerTarget): string {
  return `group ${t.target} (claim ${t.claim})`;
}

export function describeTargets(config: TargetConfiguration): string {
  return config.targets.map((t) => (t.targetType === 'group' ? describeGroup(t) : t.target)).join(', ');
}

function domainOf(email: string): string {
  return email.slice(email.lastIndexOf('@') + 1).toLowerCase();
}
