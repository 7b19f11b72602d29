/**
 * Why a conditional access policy applied or not, as stable codes with parameters (the console
 * says them in the reader's language: `access.why.<code>` in locales/) and as the English text
 * the CLI, the Graph API and the sign-in log have always shown. The English here and the English
 * catalog say the same words: test/i18n/policy-reasons.test.ts checks every code.
 */

/** Who matched a users condition (the `match` of userIncluded and userExcluded). */
export type UserMatch = 'all' | 'guests' | 'members' | 'email' | 'userId' | 'group' | 'externalAny' | 'externalPartner';

/** One condition's verdict, or the policy's own state. Parameters are ids and addresses, never prose. */
export type ConditionReason =
  | { code: 'policyDisabled' }
  | { code: 'userExcluded' | 'userIncluded'; params: { match: UserMatch; ref?: string; type?: string; partner?: string } }
  | { code: 'userNotIncluded' }
  | { code: 'appExcluded' | 'appIncluded' | 'appNotIncluded'; params: { app: string } }
  | { code: 'appIncludedAll' }
  | { code: 'anyIdentityProvider' | 'identityProviderUnknown' }
  | { code: 'identityProviderExcluded' | 'identityProviderIncluded' | 'identityProviderIncludedAll' | 'identityProviderNotIncluded'; params: { idp: string } }
  | { code: 'anyLocation' }
  | { code: 'locationExcluded' | 'locationIncluded'; params: { ip?: string; location: string } }
  | { code: 'locationIncludedAll'; params: { ip?: string } }
  | { code: 'locationNotIncluded'; params: { ip?: string; locations: string } };

/** A policy's why: every condition when it applies, else the one that did not match (or that it is off). */
export type PolicyReason = { code: 'applies'; conditions: ConditionReason[] } | ConditionReason;

export type ReasonCode = PolicyReason['code'];

/** The English text of a reason, exactly as Foyer has always written it (CLI, Graph's sign-in log). */
export function englishReason(reason: PolicyReason): string {
  if (reason.code === 'applies') return `applies: ${reason.conditions.map(englishReason).join('; ')}`;
  return englishCondition(reason);
}

function englishCondition(r: ConditionReason): string {
  switch (r.code) {
    case 'policyDisabled':
      return 'the policy is disabled';
    case 'userExcluded':
      return `user excluded: ${englishUser(r.params)}`;
    case 'userIncluded':
      return `user included: ${englishUser(r.params)}`;
    case 'userNotIncluded':
      return 'user not included';
    case 'appExcluded':
      return `app excluded: ${r.params.app}`;
    case 'appIncluded':
      return `app included: ${r.params.app}`;
    case 'appIncludedAll':
      return 'app included: All';
    case 'appNotIncluded':
      return `app not included: ${r.params.app}`;
    case 'anyIdentityProvider':
      return 'any identity provider';
    case 'identityProviderUnknown':
      return 'identity provider unknown, so treated as included';
    case 'identityProviderExcluded':
      return `identity provider excluded: ${r.params.idp}`;
    case 'identityProviderIncluded':
      return `identity provider included: ${r.params.idp}`;
    case 'identityProviderIncludedAll':
      return `identity provider included: All (${r.params.idp})`;
    case 'identityProviderNotIncluded':
      return `identity provider not included: ${r.params.idp}`;
    case 'anyLocation':
      return 'any location';
    case 'locationExcluded':
      return `location excluded: ${englishFrom(r.params.ip)} is in ${r.params.location}`;
    case 'locationIncluded':
      return `location included: ${englishFrom(r.params.ip)} is in ${r.params.location}`;
    case 'locationIncludedAll':
      return `location included: All (${englishFrom(r.params.ip)})`;
    case 'locationNotIncluded':
      return `location not included: ${englishFrom(r.params.ip)} is in none of ${r.params.locations}`;
  }
}

function englishUser(p: { match: UserMatch; ref?: string; type?: string; partner?: string }): string {
  switch (p.match) {
    case 'all':
      return 'All';
    case 'guests':
      return 'GuestsOrExternalUsers (the user is a guest)';
    case 'members':
      return 'Members (the user is a member)';
    case 'email':
      return `by email ${p.ref}`;
    case 'userId':
      return `by user id ${p.ref}`;
    case 'group':
      return `member of group ${p.ref}`;
    case 'externalAny':
      return `${p.type} of any organisation`;
    case 'externalPartner':
      return `${p.type} of partner ${p.partner}`;
  }
}

function englishFrom(ip: string | undefined): string {
  return ip ?? 'an unknown address';
}
