import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import IntlMessageFormat from 'intl-messageformat';
import { DEFAULT_LANGUAGE, type Catalog } from './catalogs.js';

/**
 * The checks that keep every language complete (test/i18n/catalogs.test.ts runs them; so can a
 * translator, docs/languages.md): the same keys in every catalog, the same placeholders and tags
 * in every translation of a message, and every key the views and the code use present.
 */
export function catalogProblems(catalogs: ReadonlyMap<string, Catalog>): string[] {
  const reference = catalogs.get(DEFAULT_LANGUAGE);
  if (!reference) return [`there is no ${DEFAULT_LANGUAGE} catalog`];
  const problems: string[] = [];
  for (const [language, catalog] of catalogs) {
    for (const [key, message] of catalog) {
      // ICU reads an ASCII apostrophe before { or < as the start of quoted text: the placeholder would print as is.
      if (/'[{<]/.test(message)) problems.push(`${language}: "${key}" has an apostrophe (') right before { or <; write ’ (or '' for a literal ')`);
      // Tags and arguments share one set of values: {code} inside <code> cannot be given both.
      const names = placeholdersOf(message, language);
      for (const name of names) if (names.has(`<${name}>`) || (STYLE_TAGS.includes(name) && !name.startsWith('<'))) problems.push(`${language}: "${key}" uses "${name}" as an argument and as a tag`);
    }
    if (language === DEFAULT_LANGUAGE) continue;
    for (const key of reference.keys()) if (!catalog.has(key)) problems.push(`${language}: "${key}" is missing`);
    for (const key of catalog.keys()) if (!reference.has(key)) problems.push(`${language}: "${key}" is not in ${DEFAULT_LANGUAGE}.json (renamed or removed?)`);
    for (const [key, message] of catalog) {
      const expected = reference.get(key);
      if (expected === undefined) continue;
      const want = placeholdersOf(expected, DEFAULT_LANGUAGE);
      const got = placeholdersOf(message, language);
      const missing = [...want].filter((p) => !got.has(p));
      const extra = [...got].filter((p) => !want.has(p));
      if (missing.length) problems.push(`${language}: "${key}" lacks ${missing.join(', ')}`);
      if (extra.length) problems.push(`${language}: "${key}" has ${extra.join(', ')}, which ${DEFAULT_LANGUAGE}.json does not give it`);
    }
  }
  return problems;
}

/** The tags every message may use (translator.ts): their names cannot be arguments. */
const STYLE_TAGS = ['strong', 'em', 'code', 'who'];

/** The arguments ({name}) and tags (<name>) a message uses, tags written as <name>. */
export function placeholdersOf(message: string, language: string): Set<string> {
  const found = new Set<string>();
  const walk = (elements: ReturnType<IntlMessageFormat['getAst']>) => {
    for (const el of elements) {
      // Element types of @formatjs/icu-messageformat-parser: 1 argument, 2 number, 3 date, 4 time, 5 select, 6 plural, 8 tag.
      if (el.type >= 1 && el.type <= 6) found.add((el as { value: string }).value);
      if (el.type === 8) {
        found.add(`<${(el as { value: string }).value}>`);
        walk((el as { children: typeof elements }).children);
      }
      if (el.type === 5 || el.type === 6) for (const option of Object.values((el as { options: Record<string, { value: typeof elements }> }).options)) walk(option.value);
    }
  };
  walk(new IntlMessageFormat(message, language).getAst());
  return found;
}

/**
 * The message keys the views and the code name: quoted strings such as 'signIn.title' whose first
 * part is a namespace of the catalog. (Keys built at run time, like `errors.${code}`, are looked
 * up with a fallback and are not listed here.)
 */
export function keysUsedIn(roots: string[], namespaces: ReadonlySet<string>, base: string): Map<string, string> {
  const used = new Map<string, string>();
  const quoted = /(['"])([a-zA-Z][a-zA-Z0-9]*(?:\.[a-zA-Z0-9_]+)+)\1/g;
  for (const root of roots) {
    for (const file of filesUnder(root)) {
      if (!/\.(ts|eta)$/.test(file)) continue;
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(quoted)) {
        const key = m[2]!;
        if (/\.(js|ts|css|json|eta|png|svg)$/.test(key)) continue; // a file name such as 'passkey.js'
        if (namespaces.has(key.split('.')[0]!) && !used.has(key)) used.set(key, relative(base, file));
      }
    }
  }
  return used;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}
