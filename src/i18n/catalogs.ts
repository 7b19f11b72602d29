import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import IntlMessageFormat from 'intl-messageformat';
import { projectRoot } from '../lib/project-root.js';

/** One language's messages, by dotted key ("signIn.title"), in ICU MessageFormat. */
export type Catalog = ReadonlyMap<string, string>;

/** The folder of the catalogs: one `<language>.json` per language (docs/languages.md). */
export const LOCALES_DIR = join(projectRoot, 'locales');

/** The language every other falls back to, and the one whose catalog defines the keys. */
export const DEFAULT_LANGUAGE = 'en';

/**
 * Reads every `locales/<language>.json` (nested objects of strings, flattened to dotted keys) and
 * parses each message once, so a message a translator broke stops Foyer at start with its key,
 * not a guest's page at run time.
 */
export function loadCatalogs(dir = LOCALES_DIR): Map<string, Catalog> {
  const catalogs = new Map<string, Catalog>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    const language = file.slice(0, -'.json'.length);
    const messages = flatten(JSON.parse(readFileSync(join(dir, file), 'utf8')) as unknown, '', file);
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
