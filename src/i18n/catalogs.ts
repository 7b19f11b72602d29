import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import IntlMessageFormat from 'intl-messageformat';
import { projectRoot } from '../lib/project-root.js';
import { canonicalLanguageTag } from './language-tag.js';

/** One language's messages, by dotted key ("signIn.title"), in ICU MessageFormat. */
export type Catalog = ReadonlyMap<string, string>;

/** The folder of the catalogs: one `<language>.json` per language (docs/languages.md). */
export const LOCALES_DIR = join(projectRoot, 'locales');

/** The language every other falls back to, and the one whose catalog defines the keys. */
export const DEFAULT_LANGUAGE = 'en';

/**
 * The SHA-256 of each catalog file `npm run build` parsed without error (scripts/bundle.mjs writes
 * it next to the bundle). A start skips parsing a file whose bytes are exactly those: parsing every
 * message of every language took about a tenth of a start (issue 20). Any other file (an edited or
 * added catalog, or no build at all: tests run the sources) is parsed at start as before.
 */
export const CHECKED_CATALOGS_FILE = join(projectRoot, 'dist', 'checked-catalogs.json');

function checkedCatalogs(file: string): ReadonlySet<string> {
  try {
    const hashes = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    return new Set(Array.isArray(hashes) ? hashes.filter((h): h is string => typeof h === 'string') : []);
  } catch {
    return new Set();
  }
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * Reads every `locales/<language>.json` (nested objects of strings, flattened to dotted keys) and
 * parses each message once, so a message a translator broke stops Foyer at start with its key,
 * not a guest's page at run time (unless the build already parsed that very file: CHECKED_CATALOGS_FILE).
 */
export function loadCatalogs(dir = LOCALES_DIR, checked: ReadonlySet<string> = checkedCatalogs(CHECKED_CATALOGS_FILE)): Map<string, Catalog> {
  const catalogs = new Map<string, Catalog>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    const language = file.slice(0, -'.json'.length);
    // Checked here, not left to the first date a page formats (the formatters are made at first use).
    if (canonicalLanguageTag(language) === undefined) throw new Error(`locales/${file}: "${language}" is not a BCP 47 language tag`);
    const text = readFileSync(join(dir, file), 'utf8');
    const messages = flatten(JSON.parse(text) as unknown, '', file);
    if (checked.has(sha256(text))) {
      catalogs.set(language, messages);
      continue;
    }
    for (const [key, message] of messages) {
      try {
        new IntlMessageFormat(message, language);
      } catch (err) {
        throw new Error(`locales/${file}: the message "${key}" is not valid ICU MessageFormat: ${(err as Error).message}`);
      }
    }
    catalogs.set(language, messages);
  }
  if (!catalogs.has(DEFAULT_LANGUAGE)) throw new Error(`locales/${DEFAULT_LANGUAGE}.json is missing: it is the fallback of every language`);
  return catalogs;
}

function flatten(node: unknown, prefix: string, file: string, into = new Map<string, string>()): Map<string, string> {
  if (typeof node !== 'object' || node === null || Array.isArray(node)) throw new Error(`locales/${file}: "${prefix || '(top)'}" must be an object of messages`);
  for (const [name, value] of Object.entries(node)) {
    const key = prefix ? `${prefix}.${name}` : name;
    if (typeof value === 'string') into.set(key, value);
    else flatten(value, key, file, into);
  }
  return into;
}

/** For the build: parses every catalog (throwing at the first broken message) and records their hashes in CHECKED_CATALOGS_FILE. */
export function recordCheckedCatalogs(dir = LOCALES_DIR, into = CHECKED_CATALOGS_FILE): void {
  loadCatalogs(dir, new Set());
  const hashes = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => sha256(readFileSync(join(dir, f), 'utf8')));
  writeFileSync(into, `${JSON.stringify(hashes, null, 2)}\n`);
}
