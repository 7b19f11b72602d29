import { describe, expect, it } from 'vitest';
import { evaluate, type SignInContext } from '../../src/access/evaluate.js';
import { conditionalAccessPolicySchema, namedLocationSchema, type ConditionalAccessPolicy } from '../../src/config/policies-schema.js';

const GUEST_ID = '11111111-1111-4111-8111-111111111111';
const MEMBER_ID = '22222222-2222-4222-8222-222222222222';
const GROUP_A = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
const GROUP_B = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb';

/** A policy through the real schema (defaults, normalisation): "MFA for everyone on every app", changed by `over`. */
function policy(over: Record<string, unknown> = {}): ConditionalAccessPolicy {
  return conditionalAccessPolicySchema.parse({
    displayName: 'Test policy',
    state: 'enabled',
    conditions: { users: { includeUsers: ['All'] }, applications: { includeApplications: ['All'] } },
    grantControls: { operator: 'OR', builtInControls: ['mfa'] },
    ...over,
  });
}

const users = (u: Record<string, unknown>) => ({ users: u, applications: { includeApplications: ['All'] } });

const guest: SignInContext = {
  user: { id: GUEST_ID, mail: 'Alice@Partner.example', userType: 'Guest', groupIds: [GROUP_A] },
  appId: 'payroll',
  identityProvider: 'partner',
  ipAddress: '198.51.100.7',
};
const member: SignInContext = {
  user: { id: MEMBER_ID, mail: 'bob@contoso.example', userType: 'Member', groupIds: [] },
  appId: 'payroll',
  identityProvider: 'local',
  ipAddress: '203.0.113.20',
};

const LOCATIONS = [
  namedLocationSchema.parse({ id: 'office', displayName: 'Office', isTrusted: true, ipRanges: ['203.0.113.0/24', { cidrAddress: '2001:db8:1::/48' }] }),
  namedLocationSchema.parse({ id: 'lab', displayName: 'Lab', ipRanges: ['10.20.0.0/16'] }),
];

describe('evaluate: no policies and the decision shape', () => {
  it('allows with no policies, status notApplied and an empty trace', () => {
    expect(evaluate([], guest)).toEqual({ result: 'allow', required: { mfa: false, authenticationStrengths: [], termsOfUse: [] }, conditionalAccessStatus: 'notApplied', trace: [], signInFrequencySeconds: undefined });
  });

  it('challenges for MFA when an enforced MFA policy applies, and allows once MFA is in the session', () => {
    const p = policy();
    const before = evaluate([p], guest);
    expect(before).toMatchObject({ result: 'challenge', required: { mfa: true, termsOfUse: [] }, conditionalAccessStatus: 'failure' });
    expect(before.trace[0]).toMatchObject({ id: 'test-policy', applied: true, result: 'failure', unmet: ['mfa'], enforcedGrantControls: ['mfa'] });
    const after = evaluate([p], { ...guest, satisfied: { mfa: true } });
    expect(after).toMatchObject({ result: 'allow', conditionalAccessStatus: 'success' });
    expect(after.trace[0]).toMatchObject({ result: 'success', unmet: [] });
  });

  it('derives the id from the display name and keeps an explicit one', () => {
    expect(policy({ displayName: 'Guests: MFA on Payroll!' }).id).toBe('guests-mfa-on-payroll');
    expect(policy({ id: 'p-1' }).id).toBe('p-1');
  });
});

describe('evaluate: users condition', () => {
  it.each([
    ['All', guest, true],
    ['GuestsOrExternalUsers', guest, true],
    ['GuestsOrExternalUsers', member, false],
    ['Members', member, true],
    ['Members', guest, false],
    ['None', guest, false],
    [GUEST_ID.toUpperCase(), guest, true],
    [GUEST_ID, member, false],
    ['alice@partner.example', guest, true],
    ['ALICE@PARTNER.EXAMPLE', guest, true],
    ['bob@contoso.example', guest, false],
  ])('includeUsers [%s] applies to the sign-in: %#', (ref, context, applies) => {
    const d = evaluate([policy({ conditions: users({ includeUsers: [ref] }) })], context);
    expect(d.trace[0]!.applied).toBe(applies);
    expect(d.result).toBe(applies ? 'challenge' : 'allow');
  });

  it('exclude wins over include, whatever matched the include', () => {
    for (const exclude of [{ excludeUsers: [GUEST_ID] }, { excludeUsers: ['alice@partner.example'] }, { excludeUsers: ['GuestsOrExternalUsers'] }, { excludeGroups: [GROUP_A] }]) {
      const d = evaluate([policy({ conditions: users({ includeUsers: ['All'], includeGroups: [GROUP_A], ...exclude }) })], guest);
      expect(d.trace[0]).toMatchObject({ applied: false, result: 'notApplied' });
      expect(d.trace[0]!.reason).toMatch(/^user excluded/);
      expect(d.result).toBe('allow');
    }
  });

  it('includes by group membership, and only members of that group', () => {
    const p = policy({ conditions: users({ includeGroups: [GROUP_A] }) });
    expect(evaluate([p], guest).trace[0]).toMatchObject({ applied: true, reason: expect.stringContaining(`member of group ${GROUP_A}`) });
    expect(evaluate([p], member).trace[0]).toMatchObject({ applied: false, reason: 'user not included' });
    expect(evaluate([policy({ conditions: users({ includeGroups: [GROUP_B] }) })], guest).trace[0]!.applied).toBe(false);
  });

  it('Members exclusion leaves guests in', () => {
    const p = policy({ conditions: users({ includeUsers: ['All'], excludeUsers: ['Members'] }) });
    expect(evaluate([p], guest).trace[0]!.applied).toBe(true);
    expect(evaluate([p], member).trace[0]!.applied).toBe(false);
  });
});

describe('evaluate: applications condition', () => {
  const apps = (a: Record<string, unknown>) => ({ users: { includeUsers: ['All'] }, applications: a });
  it('applies to listed apps and All, not to others; exclusion wins', () => {
    expect(evaluate([policy({ conditions: apps({ includeApplications: ['payroll'] }) })], guest).trace[0]!.applied).toBe(true);
    expect(evaluate([policy({ conditions: apps({ includeApplications: ['crm'] }) })], guest).trace[0]).toMatchObject({ applied: false, reason: 'app not included: payroll' });
    expect(evaluate([policy({ conditions: apps({ includeApplications: ['None'] }) })], guest).trace[0]!.applied).toBe(false);
    const excluded = evaluate([policy({ conditions: apps({ includeApplications: ['All', 'payroll'], excludeApplications: ['payroll'] }) })], guest);
    expect(excluded.trace[0]).toMatchObject({ applied: false, reason: 'app excluded: payroll' });
  });
});

describe('evaluate: identity providers condition (Foyer addition)', () => {
  const idps = (c: Record<string, unknown>) => policy({ conditions: { ...users({ includeUsers: ['All'] }), identityProviders: c } });
  it('matches the upstream IdP of the sign-in; exclusion wins', () => {
    expect(evaluate([idps({ includeIdentityProviders: ['email-otp'] })], { ...guest, identityProvider: 'email-otp' }).trace[0]!.applied).toBe(true);
    expect(evaluate([idps({ includeIdentityProviders: ['email-otp'] })], guest).trace[0]).toMatchObject({ applied: false, reason: 'identity provider not included: partner' });
    expect(evaluate([idps({ includeIdentityProviders: ['All'], excludeIdentityProviders: ['partner'] })], guest).trace[0]!.applied).toBe(false);
    expect(evaluate([idps({ excludeIdentityProviders: ['local'] })], member).trace[0]!.applied).toBe(false);
    expect(evaluate([idps({ excludeIdentityProviders: ['local'] })], guest).trace[0]!.applied).toBe(true);
  });

  it('treats an unknown IdP as included, so a gap in what Foyer knows never skips a policy', () => {
    const unknown = { ...guest, identityProvider: undefined };
    expect(evaluate([idps({ includeIdentityProviders: ['email-otp'] })], unknown).trace[0]).toMatchObject({ applied: true, reason: expect.stringContaining('unknown') });
    expect(evaluate([idps({ includeIdentityProviders: ['All'], excludeIdentityProviders: ['partner'] })], unknown).trace[0]!.applied).toBe(true);
  });
});

describe('evaluate: locations condition', () => {
  const at = (c: Record<string, unknown>) => policy({ conditions: { ...users({ includeUsers: ['All'] }), locations: c } });
  const from = (ip: string | undefined) => ({ ...guest, ipAddress: ip });
  it.each([
    ['203.0.113.20', true],
    ['203.0.114.1', false],
    ['2001:db8:1:ffff::9', true],
    ['2001:db8:2::9', false],
    ['::ffff:203.0.113.77', true],
    [undefined, false],
    ['not-an-ip', false],
  ])('excludeLocations [AllTrusted]: %s is trusted → policy skipped: %s', (ip, trusted) => {
    const d = evaluate([at({ includeLocations: ['All'], excludeLocations: ['AllTrusted'] })], from(ip), { namedLocations: LOCATIONS });
    expect(d.trace[0]!.applied).toBe(!trusted);
  });

  it('includes named locations by id (IPv4 and IPv6) and not other addresses', () => {
    const lab = at({ includeLocations: ['lab'] });
    expect(evaluate([lab], from('10.20.255.1'), { namedLocations: LOCATIONS }).trace[0]).toMatchObject({ applied: true, reason: expect.stringContaining('10.20.255.1 is in lab') });
    expect(evaluate([lab], from('10.21.0.1'), { namedLocations: LOCATIONS }).trace[0]).toMatchObject({ applied: false, reason: expect.stringContaining('is in none of lab') });
    const office = at({ includeLocations: ['office'] });
    expect(evaluate([office], from('2001:db8:1::1'), { namedLocations: LOCATIONS }).trace[0]!.applied).toBe(true);
    expect(evaluate([at({ includeLocations: ['AllTrusted'] })], from('10.20.0.5'), { namedLocations: LOCATIONS }).trace[0]!.applied).toBe(false);
  });

  it('an excluded location wins over an included one', () => {
    const d = evaluate([at({ includeLocations: ['office'], excludeLocations: ['office'] })], from('203.0.113.1'), { namedLocations: LOCATIONS });
    expect(d.trace[0]).toMatchObject({ applied: false, reason: 'location excluded: 203.0.113.1 is in office' });
  });
});

describe('evaluate: grant controls', () => {
  const terms = (ids: string[], grant: Record<string, unknown> = {}, id = 'terms') => policy({ id, grantControls: { operator: 'AND', builtInControls: [], termsOfUse: ids, ...grant } });

  it('block wins over every other policy, and over satisfied MFA', () => {
    const d = evaluate([policy(), policy({ id: 'block', grantControls: { builtInControls: ['block'] } }), terms(['t1'], { operator: 'OR' })], { ...guest, satisfied: { mfa: true } });
    expect(d).toMatchObject({ result: 'block', required: { mfa: false, termsOfUse: [] }, conditionalAccessStatus: 'failure' });
    expect(d.trace.find((t) => t.id === 'block')).toMatchObject({ result: 'failure', unmet: ['block'], enforcedGrantControls: ['block'] });
  });

  it('AND needs every control; OR needs one', () => {
    const and = policy({ grantControls: { operator: 'AND', builtInControls: ['mfa'], termsOfUse: ['t1'] } });
    expect(evaluate([and], guest).required).toEqual({ mfa: true, authenticationStrengths: [], termsOfUse: ['t1'] });
    expect(evaluate([and], { ...guest, satisfied: { mfa: true } })).toMatchObject({ result: 'challenge', required: { mfa: false, termsOfUse: ['t1'] } });
    expect(evaluate([and], { ...guest, satisfied: { mfa: true, termsOfUse: ['t1'] } }).result).toBe('allow');

    const or = policy({ grantControls: { operator: 'OR', builtInControls: ['mfa'], termsOfUse: ['t1'] } });
    expect(evaluate([or], guest).required).toEqual({ mfa: true, authenticationStrengths: [], termsOfUse: [] });
    expect(evaluate([or], { ...guest, satisfied: { termsOfUse: ['t1'] } }).result).toBe('allow');
    expect(evaluate([or], { ...guest, satisfied: { mfa: true } }).result).toBe('allow');
  });

  it('an OR policy is covered by what another policy already requires', () => {
    const termsFirst = policy({ id: 'or', grantControls: { operator: 'OR', builtInControls: ['termsOfUse', 'mfa'], termsOfUse: [] } });
    const mfaOnly = policy({ id: 'mfa' });
    expect(evaluate([termsFirst], guest, { termsOfUseIds: ['t1'] }).required).toEqual({ mfa: true, authenticationStrengths: [], termsOfUse: [] });
    expect(evaluate([termsFirst, mfaOnly], guest, { termsOfUseIds: ['t1'] }).required).toEqual({ mfa: true, authenticationStrengths: [], termsOfUse: [] });
  });

  it('termsOfUse in builtInControls alone requires every configured terms of use', () => {
    const all = policy({ grantControls: { operator: 'AND', builtInControls: ['termsOfUse'] } });
    const d = evaluate([all], { ...guest, satisfied: { termsOfUse: ['t2'] } }, { termsOfUseIds: ['t1', 't2'] });
    expect(d).toMatchObject({ result: 'challenge', required: { mfa: false, termsOfUse: ['t1'] } });
    expect(d.trace[0]!.enforcedGrantControls).toEqual(['termsOfUse:t1', 'termsOfUse:t2']);
  });

  it('several policies add up: MFA from one, terms from another', () => {
    const d = evaluate([policy({ id: 'a' }), terms(['t1'], {}, 'b'), terms(['t1', 't2'], {}, 'c')], guest);
    expect(d.required).toEqual({ mfa: true, authenticationStrengths: [], termsOfUse: ['t1', 't2'] });
  });

  it('a session-controls-only policy applies without asking anything, and sets the strictest sign-in frequency', () => {
    const sif = (value: number, type: string, id: string) => policy({ id, grantControls: undefined, sessionControls: { signInFrequency: { value, type } } });
    const d = evaluate([sif(2, 'days', 'a'), sif(8, 'hours', 'b'), policy({ id: 'off', state: 'disabled', grantControls: undefined, sessionControls: { signInFrequency: { value: 1, type: 'hours' } } })], guest);
    expect(d).toMatchObject({ result: 'allow', conditionalAccessStatus: 'success', signInFrequencySeconds: 8 * 3600 });
    expect(d.trace[0]).toMatchObject({ result: 'success', enforcedSessionControls: ['signInFrequency'] });
    const notApplied = evaluate([policy({ grantControls: undefined, conditions: users({ includeUsers: ['Members'] }), sessionControls: { signInFrequency: { value: 1, type: 'hours' } } })], guest);
    expect(notApplied.signInFrequencySeconds).toBeUndefined();
  });
});

describe('evaluate: states', () => {
  it('ignores disabled policies (traced as notEnabled)', () => {
    const d = evaluate([policy({ state: 'disabled' }), policy({ id: 'b', state: 'disabled', grantControls: { builtInControls: ['block'] } })], guest);
    expect(d).toMatchObject({ result: 'allow', conditionalAccessStatus: 'notApplied' });
    expect(d.trace.map((t) => [t.result, t.applied, t.reason])).toEqual([
      ['notEnabled', false, 'the policy is disabled'],
      ['notEnabled', false, 'the policy is disabled'],
    ]);
  });

  it('report-only never enforces: block, MFA, terms and sign-in frequency are only traced', () => {
    const ro = (over: Record<string, unknown>) => policy({ state: 'enabledForReportingButNotEnforced', ...over });
    const d = evaluate(
      [
        ro({ id: 'block', grantControls: { builtInControls: ['block'] } }),
        ro({ id: 'mfa', sessionControls: { signInFrequency: { value: 1, type: 'hours' } } }),
        ro({ id: 'terms', grantControls: { builtInControls: [], termsOfUse: ['t1'] } }),
        ro({ id: 'elsewhere', conditions: users({ includeUsers: ['Members'] }) }),
      ],
      guest,
    );
    expect(d).toEqual({ result: 'allow', required: { mfa: false, authenticationStrengths: [], termsOfUse: [] }, conditionalAccessStatus: 'notApplied', signInFrequencySeconds: undefined, trace: expect.any(Array) });
    expect(d.trace.map((t) => [t.id, t.reportOnly, t.result])).toEqual([
      ['block', true, 'reportOnlyFailure'],
      ['mfa', true, 'reportOnlyInterrupted'],
      ['terms', true, 'reportOnlyInterrupted'],
      ['elsewhere', true, 'reportOnlyNotApplied'],
    ]);
    expect(evaluate([ro({ id: 'mfa' })], { ...guest, satisfied: { mfa: true } }).trace[0]!.result).toBe('reportOnlySuccess');
  });

  it('report-only next to an enforced policy changes nothing about the enforced decision', () => {
    const enforced = policy({ id: 'enforced', conditions: users({ includeUsers: ['GuestsOrExternalUsers'] }) });
    const reportBlock = policy({ id: 'ro', state: 'enabledForReportingButNotEnforced', grantControls: { builtInControls: ['block'] } });
    expect(evaluate([enforced, reportBlock], guest)).toMatchObject({ result: 'challenge', required: { mfa: true } });
    expect(evaluate([enforced, reportBlock], member)).toMatchObject({ result: 'allow', conditionalAccessStatus: 'notApplied' });
  });

  it('traces why each policy applied or not, in order', () => {
    const d = evaluate(
      [
        policy({ id: 'a', conditions: { users: { includeUsers: ['GuestsOrExternalUsers'] }, applications: { includeApplications: ['payroll'] } } }),
        policy({ id: 'b', conditions: { users: { includeUsers: ['All'] }, applications: { includeApplications: ['crm'] } } }),
      ],
      guest,
    );
    expect(d.trace[0]!.reason).toBe('applies: user included: GuestsOrExternalUsers (the user is a guest); app included: payroll; any identity provider; any location');
    expect(d.trace[1]!.reason).toBe('app not included: payroll');
  });

  it('is pure: the same input gives the same decision, and the input is not changed', () => {
    const policies = [policy(), policy({ id: 'x', conditions: { ...users({ includeGroups: [GROUP_A] }), locations: { includeLocations: ['office'] } } })];
    const context = structuredClone(guest);
    const first = evaluate(policies, context, { namedLocations: LOCATIONS });
    expect(evaluate(policies, context, { namedLocations: LOCATIONS })).toEqual(first);
    expect(context).toEqual(guest);
  });
});

describe('evaluate: guests and external users by partner organisation (Graph includeGuestsOrExternalUsers)', () => {
  const external = (kind: 'b2bCollaborationGuest' | 'b2bCollaborationMember', tenants: string[]): SignInContext => ({
    ...guest,
    user: { ...guest.user, userType: kind === 'b2bCollaborationGuest' ? 'Guest' : 'Member', externalType: kind, homeTenants: tenants },
  });
  const of = (members?: string[], types = 'b2bCollaborationGuest') => ({ guestOrExternalUserTypes: types, externalTenants: members ? { membershipKind: 'enumerated', members } : { membershipKind: 'all' } });

  it('includes the guests of the partners named, and only them', () => {
    const p = policy({ conditions: users({ includeGuestsOrExternalUsers: of(['fabrikam']) }) });
    expect(evaluate([p], external('b2bCollaborationGuest', ['fabrikam'])).trace[0]).toMatchObject({ applied: true, reason: expect.stringContaining('user included: b2bCollaborationGuest of partner fabrikam') });
    expect(evaluate([p], external('b2bCollaborationGuest', ['northwind'])).trace[0]).toMatchObject({ applied: false, reason: 'user not included' });
    expect(evaluate([p], external('b2bCollaborationGuest', [])).trace[0]!.applied).toBe(false);
    expect(evaluate([p], member).trace[0]!.applied).toBe(false);
  });

  it('membershipKind all: every organisation; the kinds must match (a member invited from a partner is b2bCollaborationMember)', () => {
    const guests = policy({ conditions: users({ includeGuestsOrExternalUsers: of() }) });
    expect(evaluate([guests], external('b2bCollaborationGuest', [])).trace[0]).toMatchObject({ applied: true, reason: expect.stringContaining('b2bCollaborationGuest of any organisation') });
    expect(evaluate([guests], external('b2bCollaborationMember', ['fabrikam'])).trace[0]!.applied).toBe(false);
    const both = policy({ conditions: users({ includeGuestsOrExternalUsers: of(undefined, 'b2bCollaborationGuest,b2bCollaborationMember') }) });
    expect(evaluate([both], external('b2bCollaborationMember', ['fabrikam'])).trace[0]!.applied).toBe(true);
  });

  it('excludes win over includes', () => {
    const p = policy({ conditions: users({ includeUsers: ['GuestsOrExternalUsers'], excludeGuestsOrExternalUsers: of(['fabrikam']) }) });
    expect(evaluate([p], external('b2bCollaborationGuest', ['fabrikam', 'northwind'])).trace[0]).toMatchObject({ applied: false, reason: 'user excluded: b2bCollaborationGuest of partner fabrikam' });
    expect(evaluate([p], external('b2bCollaborationGuest', ['northwind'])).trace[0]!.applied).toBe(true);
  });
});
