/**
 * preferredLanguage values (src/i18n/language-tag.ts): any well-formed BCP 47 tag, in canonical
 * case, whether or not Foyer has a catalog for it; anything else is refused with a stable code.
 */
import { describe, expect, it } from 'vitest';
import { canonicalLanguageTag, parsePreferredLanguage } from '../../src/i18n/language-tag.js';

describe('canonicalLanguageTag', () => {
  it.each([
    ['fr', 'fr'],
    ['fr-fr', 'fr-FR'],
    ['EN-gb', 'en-GB'],
    ['de-CH', 'de-CH'],
    ['zh-hant-tw', 'zh-Hant-TW'],
    ['pt-BR', 'pt-BR'],
  ])('%s is well-formed: %s', (value, canonical) => {
    expect(canonicalLanguageTag(value)).toBe(canonical);
  });

  it.each(['', 'fr_FR', 'français', 'fr FR', 'fr-', '-fr', 'en-US,fr', '12', `en-${'abcdefgh-'.repeat(4)}x`])('%j is not', (value) => {
    expect(canonicalLanguageTag(value)).toBeUndefined();
  });
});

describe('parsePreferredLanguage', () => {
  it('keeps null (clear) and a tag; refuses anything else with 400 invalidPreferredLanguage', () => {
    expect(parsePreferredLanguage(null)).toBeNull();
    expect(parsePreferredLanguage(' fr-ca ')).toBe('fr-CA');
    for (const bad of [42, ['fr'], {}, true, 'not a tag']) {
      expect(() => parsePreferredLanguage(bad)).toThrow(expect.objectContaining({ status: 400, code: 'invalidPreferredLanguage' }));
    }
  });
});
