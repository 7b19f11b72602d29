import type { AccessDecision } from '../access/evaluate.js';
import type { ConditionReason, PolicyReason, ReasonCode } from '../access/policy-reasons.js';
import type { Translator } from '../i18n/translator.js';

/**
 * The console's words for the evaluator's reasons and decision, in the page's language. In English
 * they read exactly as the CLI and the API write them (englishReason, describeDecision); the test
 * test/i18n/policy-reasons.test.ts holds the two together.
 */

/** One literal key per code, so the catalog test sees each one used. */
const REASON_KEYS: Record<ReasonCode, string> = {
  applies: 'console.why.applies',
  policyDisabled: 'console.why.policyDisabled',
  userExcluded: 'console.why.userExcluded',
  userIncluded: 'console.why.userIncluded',
  userNotIncluded: 'console.why.userNotIncluded',
  appExcluded: 'console.why.appExcluded',
  appIncluded: 'console.why.appIncluded',
  appIncludedAll: 'console.why.appIncludedAll',
  appNotIncluded: 'console.why.appNotIncluded',
  anyIdentityProvider: 'console.why.anyIdentityProvider',
  identityProviderUnknown: 'console.why.identityProviderUnknown',
  identityProviderExcluded: 'console.why.identityProviderExcluded',
  identityProviderIncluded: 'console.why.identityProviderIncluded',
  identityProviderIncludedAll: 'console.why.identityProviderIncludedAll',
  identityProviderNotIncluded: 'console.why.identityProviderNotIncluded',
  anyLocation: 'console.why.anyLocation',
  locationExcluded: 'console.why.locationExcluded',
  locationIncluded: 'console.why.locationIncluded',
  locationIncludedAll: 'console.why.locationIncludedAll',
  locationNotIncluded: 'console.why.locationNotIncluded',
};

/**
 * A policy's reason in the page's language: from its code when the row has one, else the English
 * text as it was stored (sign-ins logged before reasons had codes, or a code this version does not know).
 */
export function reasonText(tr: Translator, stored: { reason: string; why?: PolicyReason }): string {
  const why = stored.why;
  const known = (code: unknown) => typeof code === 'string' && code !== 'applies' && Object.hasOwn(REASON_KEYS, code);
  try {
    if (why?.code === 'applies' && Array.isArray(why.conditions) && why.conditions.every((c) => known(c?.code))) {
      return tr.t(REASON_KEYS.applies, { conditions: why.conditions.map((c) => conditionText(tr, c)).join('; ') });
    }
    if (why && known(why.code)) return conditionText(tr, why as ConditionReason);
  } catch {
    // A stored code whose parameters this version does not read (the message lacks a value): its English, as stored.
  }
  return stored.reason;
}

function conditionText(tr: Translator, reason: ConditionReason): string {
  const params: Record<string, string | undefined> = 'params' in reason ? reason.params : {};
  const values: Record<string, string> = {};
  for (const [name, value] of Object.entries(params)) if (value !== undefined) values[name] = String(value);
  // A location reason names the address, or says there was none (`known` selects the words).
  if (reason.code.startsWith('location')) values.known = params.ip !== undefined ? 'yes' : 'no';
  return tr.t(REASON_KEYS[reason.code], values);
}

/** What-if's decision line ("ALLOW", "REQUIRE MFA", "BLOCK (by …)"), as describeDecision writes it in English. */
export function decisionText(tr: Translator, d: AccessDecision): string {
  const line = decisionLine(tr, d);
  const seconds = d.signInFrequencySeconds;
  if (!seconds) return line;
  // Whole numbers up to 23 hours or 365 days (the policy schema), so they read as the CLI writes them.
  if (seconds % 86_400 === 0) return tr.t('console.decision.againAfterDays', { decision: line, days: seconds / 86_400 });
  return tr.t('console.decision.againAfterHours', { decision: line, hours: seconds / 3600 });
}

function decisionLine(tr: Translator, d: AccessDecision): string {
  if (d.result === 'block') return tr.t('console.decision.block', { policies: d.trace.filter((t) => t.applied && !t.reportOnly && t.unmet.includes('block')).map((t) => t.id).join(', ') });
  if (d.result === 'allow') return tr.t('console.decision.allow');
  const needs = [
    ...(d.required.mfa ? [tr.t('console.decision.needMfa')] : []),
    ...d.required.authenticationStrengths.map((strength) => tr.t('console.decision.needStrength', { strength })),
    ...d.required.termsOfUse.map((terms) => tr.t('console.decision.needTerms', { terms })),
  ];
  let all = needs[0] ?? '';
  for (const next of needs.slice(1)) all = tr.t('console.decision.and', { first: all, second: next });
  return tr.t('console.decision.require', { needs: all });
}
