/**
 * Every language is complete: the same keys as en.json, the same placeholders in each message, and
 * every key a view or the code uses is in the catalogs. The checker itself is shown to fail on a
 * broken catalog, so a green run means something.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { catalogProblems, keysUsedIn, placeholdersOf } from '../../src/i18n/catalog-check.js';
import { DEFAULT_LANGUAGE, loadCatalogs, type Catalog } from '../../src/i18n/catalogs.js';
import { projectRoot } from '../../src/lib/project-root.js';

const catalogs = loadCatalogs();
const english = catalogs.get(DEFAULT_LANGUAGE)!;

describe('the catalogs in locales/', () => {
  it('include English and French', () => {
    expect([...catalogs.keys()].sort()).toEqual(expect.arrayContaining(['en', 'fr']));
  });

  it('have the same keys and the same placeholders in every language', () => {
    expect(catalogProblems(catalogs)).toEqual([]);
  });

  it('have every key that a view or the code uses', () => {
    const namespaces = new Set([...english.keys()].map((k) => k.split('.')[0]!));
    const used = keysUsedIn([join(projectRoot, 'views'), join(projectRoot, 'src')], namespaces, projectRoot);
    // The scan finds the keys of the pages this work localised; an empty scan would prove nothing.
    expect(used.size).toBeGreaterThan(300);
    const missing = [...used].filter(([key]) => !english.has(key)).map(([key, file]) => `${key} (${file})`);
    expect(missing).toEqual([]);
  });
});

describe('the completeness check', () => {
  const en: Catalog = new Map([
    ['a.hello', 'Hello {name}, welcome to <strong>{tenant}</strong>'],
    ['a.count', '{n, plural, one {# guest} other {# guests}}'],
  ]);

  it('reports a missing key, an extra key, a lost placeholder, a lost tag and a quoting apostrophe', () => {
    const fr: Catalog = new Map([
      ['a.hello', 'Bonjour, bienvenue chez <strong>{tenant}</strong>'],
      ['a.extra', 'En trop'],
    ]);
    const de: Catalog = new Map([
      ['a.hello', "Hallo {name}, willkommen bei {tenant}"],
      ['a.count', "{n, plural, one {# Gast} other {# Gäste}} l'{tenant}"],
    ]);
    expect(catalogProblems(new Map([['en', en], ['fr', fr], ['de', de]]))).toEqual([
      'fr: "a.count" is missing',
      'fr: "a.extra" is not in en.json (renamed or removed?)',
      'fr: "a.hello" lacks name',
      'de: "a.count" has an apostrophe (\') right before { or <; write ’ (or \'\' for a literal \')',
      'de: "a.hello" lacks <strong>',
    ]);
  });

  it('reports a placeholder a translation adds', () => {
    const fr: Catalog = new Map([
      ['a.hello', 'Bonjour {name}, bienvenue chez <strong>{tenant}</strong> ({app})'],
      ['a.count', '{n, plural, one {# invité} other {# invités}}'],
    ]);
    expect(catalogProblems(new Map([['en', en], ['fr', fr]]))).toEqual(['fr: "a.hello" has app, which en.json does not give it']);
  });

  it('reports a name used both as a tag and as an argument (they share one set of values)', () => {
    const clash: Catalog = new Map([['a.code', 'Error code: <code>{code}</code>']]);
    expect(catalogProblems(new Map([['en', clash]]))).toEqual(['en: "a.code" uses "code" as an argument and as a tag']);
  });

  it('reads placeholders inside plurals and tags', () => {
    expect([...placeholdersOf('<who>{user}</who> has {n, plural, one {# code from {app}} other {# codes}}', 'en')].sort()).toEqual(['<who>', 'app', 'n', 'user']);
  });
});
