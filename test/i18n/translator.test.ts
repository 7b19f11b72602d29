/**
 * The translator: plain text and HTML from the same message (parameters escaped, markup only from
 * the message's tags), Intl dates and numbers per language, plurals per language, and the fallbacks
 * (a language without a catalog, a key a catalog lacks).
 */
import { describe, expect, it } from 'vitest';
import type { Catalog } from '../../src/i18n/catalogs.js';
import { createI18n } from '../../src/i18n/translator.js';
import { lifecycleContent } from '../../src/lifecycle/lifecycle-messages.js';
import { loadCatalogs } from '../../src/i18n/catalogs.js';

const catalogs = new Map<string, Catalog>([
  ['en', new Map([['x.lead', 'Hello <who>{user}</who>, write to <mail>{email}</mail>'], ['x.count', '{n, plural, one {# code} other {# codes}}'], ['x.onlyEnglish', 'Only in English']])],
  ['fr', new Map([['x.lead', 'Bonjour <who>{user}</who>, écrivez à <mail>{email}</mail>'], ['x.count', '{n, plural, one {# code} other {# codes}}']])],
]);
const i18n = createI18n(catalogs);

describe('a translator', () => {
  it('escapes parameters in HTML and keeps only the message’s own markup', () => {
    const fr = i18n.translator('fr-FR');
    const params = { user: '<script>x</script>', email: 'a&b@example.com', mail: fr.link('mailto:a&b@example.com') };
    expect(fr.html('x.lead', params)).toBe('Bonjour <span class="who">&lt;script&gt;x&lt;/script&gt;</span>, écrivez à <a href="mailto:a&amp;b@example.com">a&amp;b@example.com</a>');
    // As text (a text mail, an attribute): the words only, the parameters as given (Eta escapes them where needed).
    expect(fr.t('x.lead', params)).toBe('Bonjour <script>x</script>, écrivez à a&b@example.com');
  });

  it('uses the plural rules of the language (French: 0 is singular)', () => {
    expect(i18n.translator('fr').t('x.count', { n: 0 })).toBe('0 code');
    expect(i18n.translator('en').t('x.count', { n: 0 })).toBe('0 codes');
  });

  it('writes dates and numbers the way the language does, in UTC', () => {
    const fr = i18n.translator('fr');
    expect(fr.date('2026-12-21T23:30:00Z')).toBe('21 décembre 2026');
    expect(i18n.translator('en').date('2026-12-21T23:30:00Z')).toBe('December 21, 2026');
    expect(fr.number(12345.5)).toBe('12\u202f345,5');
  });

  it('falls back to English for a language without a catalog, and for a key a catalog lacks', () => {
    expect(i18n.translator('ja').lang).toBe('en');
    expect(i18n.translator(undefined).lang).toBe('en');
    expect(i18n.translator('fr').t('x.onlyEnglish')).toBe('Only in English');
    expect(i18n.translator('fr').t('x.nowhere')).toBe('x.nowhere');
  });

  it('words the lifecycle mails from the catalogs (a reviewer asked in French)', () => {
    const fr = createI18n(loadCatalogs()).translator('fr');
    const mail = lifecycleContent(fr, 'reviewerAsked', { tenant: 'Contoso', review: 'Trimestrielle', guests: 1, endsOn: '2026-12-21T00:00:00Z', reviewUrl: 'https://id.contoso.example/myapps/reviews/1', defaultDecision: 'remove' });
    expect(mail.subject).toBe('Revue d’accès : Trimestrielle (1 invité, jusqu’au 21 décembre 2026)');
    expect(mail.paragraphs[1]).toContain('la règle par défaut : retirer.');
  });
});
