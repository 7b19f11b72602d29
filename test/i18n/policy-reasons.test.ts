/**
 * The evaluator's reasons and what-if's decision line have one wording per language: the console
 * says them through the catalogs (console.why.*, console.decision.*), and in English that reads
 * word for word what the CLI and the Graph sign-in log write (englishReason, describeDecision).
 * Rows logged before reasons had codes show their stored English as it is, in every language.
 */
import { describe, expect, it } from 'vitest';
import { evaluate, type AccessDecision, type PolicyTrace, type SignInContext } from '../../src/access/evaluate.js';
import { englishReason, type ConditionReason, type PolicyReason } from '../../src/access/policy-reasons.js';
import { describeDecision } from '../../src/access/what-if.js';
import { decisionText, reasonText } from '../../src/console/policy-reason-text.js';
import { conditionalAccessPolicySchema } from '../../src/config/policies-schema.js';
import { loadCatalogs } from '../../src/i18n/catalogs.js';
import { createI18n } from '../../src/i18n/translator.js';

const catalogs = loadCatalogs();
const i18n = createI18n(catalogs);
const en = i18n.translator('en');
const fr = i18n.translator('fr');

/** Every code, and every variant of the ones that choose their words (who matched, a known address or none). */
const CONDITIONS: ConditionReason[] = [
  { code: 'policyDisabled' },
  ...(['userExcluded', 'userIncluded'] as const).flatMap((code): ConditionReason[] => [
    { code, params: { match: 'all' } },
    { code, params: { match: 'guests' } },
    { code, params: { match: 'members' } },
    { code, params: { match: 'email', ref: 'ann@partner.example' } },
    { code, params: { match: 'userId', ref: '11111111-1111-4111-8111-111111111111' } },
    { code, params: { match: 'group', ref: 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' } },
    { code, params: { match: 'externalAny', type: 'b2bCollaborationGuest' } },
    { code, params: { match: 'externalPartner', type: 'b2bCollaborationMember', partner: 'fabrikam' } },
  ]),
  { code: 'userNotIncluded' },
  { code: 'appExcluded', params: { app: 'payroll' } },
  { code: 'appIncluded', params: { app: 'payroll' } },
  { code: 'appIncludedAll' },
  { code: 'appNotIncluded', params: { app: 'payroll' } },
  { code: 'anyIdentityProvider' },
  { code: 'identityProviderUnknown' },
  { code: 'identityProviderExcluded', params: { idp: 'partner' } },
  { code: 'identityProviderIncluded', params: { idp: 'partner' } },
  { code: 'identityProviderIncludedAll', params: { idp: 'email-otp' } },
  { code: 'identityProviderNotIncluded', params: { idp: 'github' } },
  { code: 'anyLocation' },
  ...[{ ip: '203.0.113.9' }, {}].flatMap((ip): ConditionReason[] => [
    { code: 'locationExcluded', params: { ...ip, location: 'office' } },
    { code: 'locationIncluded', params: { ...ip, location: 'AllTrusted' } },
    { code: 'locationIncludedAll', params: { ...ip } },
    { code: 'locationNotIncluded', params: { ...ip, locations: 'office, lab' } },
  ]),
];
const REASONS: PolicyReason[] = [
  ...CONDITIONS,
  {
    code: 'applies',
    conditions: [
      { code: 'userIncluded', params: { match: 'group', ref: 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' } },
      { code: 'appIncludedAll' },
      { code: 'identityProviderIncludedAll', params: { idp: 'partner' } },
      { code: 'locationIncludedAll', params: {} },
    ],
  },
];

describe('policy reasons in the console', () => {
  it('has an English and a French message for every code the evaluator gives', () => {
    const keys = [...catalogs.get('en')!.keys()].filter((k) => k.startsWith('console.why.')).map((k) => k.slice('console.why.'.length));
    expect(new Set(REASONS.map((r) => r.code))).toEqual(new Set(keys));
    for (const key of keys) expect(catalogs.get('fr')!.has(`console.why.${key}`), key).toBe(true);
  });

  it.each(REASONS.map((r) => [englishReason(r), r] as const))('in English reads as the CLI and the API write it: %s', (english, why) => {
    expect(reasonText(en, { reason: 'stored text', why })).toBe(english);
  });

  it.each(REASONS.map((r) => [englishReason(r), r] as const))('in French is French: %s', (english, why) => {
    const french = reasonText(fr, { reason: 'stored text', why });
    expect(french).not.toBe(english);
    expect(french).not.toMatch(/[{}]|console\.why|stored text/);
  });

  it('keeps the ids and addresses it names', () => {
    expect(reasonText(fr, { reason: '', why: { code: 'locationNotIncluded', params: { ip: '203.0.113.9', locations: 'office, lab' } } })).toBe('emplacement non inclus : 203.0.113.9 n’est dans aucun de ceux-ci : office, lab');
    expect(reasonText(fr, { reason: '', why: { code: 'userIncluded', params: { match: 'externalPartner', type: 'b2bCollaborationGuest', partner: 'fabrikam' } } })).toBe('utilisateur inclus : b2bCollaborationGuest du partenaire fabrikam');
  });

  it('shows a row logged before reasons had codes (or with a code it does not know) as it was stored', () => {
    expect(reasonText(fr, { reason: 'applies: user included: All' })).toBe('applies: user included: All');
    expect(reasonText(fr, { reason: 'as stored', why: { code: 'somethingNew' } as unknown as PolicyReason })).toBe('as stored');
    expect(reasonText(fr, { reason: 'as stored', why: { code: 'applies', conditions: [{ code: 'somethingNew' }] } as unknown as PolicyReason })).toBe('as stored');
    expect(reasonText(fr, { reason: 'as stored', why: { code: 'userIncluded' } as unknown as PolicyReason })).toBe('as stored');
    expect(reasonText(fr, { reason: 'as stored', why: { code: 'applies', conditions: [{ code: 'applies', conditions: [] }] } as unknown as PolicyReason })).toBe('as stored');
  });

  it('is given by the evaluator with its English text made from it', () => {
    const policy = conditionalAccessPolicySchema.parse({
      displayName: 'Guests need MFA',
      state: 'enabled',
      conditions: { users: { includeUsers: ['GuestsOrExternalUsers'] }, applications: { includeApplications: ['payroll'] }, identityProviders: { includeIdentityProviders: ['partner'] }, locations: { includeLocations: ['All'] } },
      grantControls: { operator: 'OR', builtInControls: ['mfa'] },
    });
    const guest: SignInContext = { user: { id: '11111111-1111-4111-8111-111111111111', mail: 'ann@partner.example', userType: 'Guest', groupIds: [] }, appId: 'payroll', ipAddress: '198.51.100.7' };
    const [trace] = evaluate([policy], guest).trace;
    expect(trace!.reason).toBe('applies: user included: GuestsOrExternalUsers (the user is a guest); app included: payroll; identity provider unknown, so treated as included; location included: All (198.51.100.7)');
    expect(englishReason(trace!.why)).toBe(trace!.reason);
    expect(reasonText(fr, trace!)).toBe('s’applique : utilisateur inclus : GuestsOrExternalUsers (l’utilisateur est un invité); application incluse : payroll; fournisseur d’identité inconnu, donc considéré comme inclus; emplacement inclus : tous (All, ici 198.51.100.7)');
  });
});

describe('the what-if decision line in the console', () => {
  const blocked = { id: 'no-lab', applied: true, reportOnly: false, unmet: ['block'] } as PolicyTrace;
  const decision = (d: Partial<AccessDecision>): AccessDecision => ({ result: 'allow', required: { mfa: false, authenticationStrengths: [], termsOfUse: [] }, conditionalAccessStatus: 'notApplied', trace: [], ...d });
  const DECISIONS: AccessDecision[] = [
    decision({}),
    decision({ signInFrequencySeconds: 86_400 * 7 }),
    decision({ result: 'block', trace: [blocked, { ...blocked, id: 'no-tor' }] }),
    decision({ result: 'challenge', required: { mfa: true, authenticationStrengths: [], termsOfUse: [] }, signInFrequencySeconds: 3600 * 12 }),
    decision({ result: 'challenge', required: { mfa: true, authenticationStrengths: ['phishingResistantMfa'], termsOfUse: ['nda', 'rules'] } }),
    decision({ result: 'challenge', required: { mfa: false, authenticationStrengths: [], termsOfUse: ['nda'] }, signInFrequencySeconds: 3 * 3600 }),
  ];

  it.each(DECISIONS.map((d) => [describeDecision(d), d] as const))('in English reads as the CLI writes it: %s', (english, d) => {
    expect(decisionText(en, d)).toBe(english);
  });

  it('in French is French', () => {
    expect(DECISIONS.map((d) => decisionText(fr, d))).toEqual([
      'AUTORISER',
      'AUTORISER ; se reconnecter après 7 jour(s)',
      'BLOQUER (par no-lab, no-tor)',
      'EXIGER l’authentification multifacteur (MFA) ; se reconnecter après 12 heure(s)',
      'EXIGER l’authentification multifacteur (MFA) et la force d’authentification « phishingResistantMfa » et les conditions d’utilisation « nda » et les conditions d’utilisation « rules »',
      'EXIGER les conditions d’utilisation « nda » ; se reconnecter après 3 heure(s)',
    ]);
  });
});
