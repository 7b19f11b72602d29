import IntlMessageFormat, { type PrimitiveType } from 'intl-messageformat';
import { DEFAULT_LANGUAGE, type Catalog } from './catalogs.js';
import { matchLanguage } from './request-language.js';

export type MessageParams = Record<string, PrimitiveType | ((chunks: string[]) => string)>;

/** What views, mails and routes use to speak one language. */
export interface Translator {
  /** The BCP 47 tag of the language the messages come from (`<html lang>`). */
  readonly lang: string;
  /** The message for `key` as plain text (escape it where it goes into HTML: Eta's `<%= %>` does). */
  t(key: string, params?: MessageParams): string;
  /**
   * The message for `key` as HTML: every parameter is escaped, and the tags the message may use
   * (<strong>, <em>, <code>, <who>, and any link tag given as a parameter with `link()`) become markup.
   * Output it raw (`<%~ %>`).
   */
  html(key: string, params?: MessageParams): string;
  /** Whether this language (or the default) has the key: error codes without a translation keep their message. */
  has(key: string): boolean;
  /** A link tag for `html()`: `{ support: link('mailto:…') }` turns `<support>…</support>` into an anchor. */
  link(href: string): (chunks: string[]) => string;
  /** A date (an ISO string or Date) written the way this language writes dates, e.g. 7 December 2026 / 7 décembre 2026. */
  date(value: string | Date, style?: 'long' | 'short'): string;
  /** A date and time, in UTC (Foyer's pages say UTC, so every reader sees the same time). */
  dateTime(value: string | Date): string;
  number(value: number): string;
}

export interface I18n {
  /** The languages there are catalogs for, default first. */
  readonly languages: readonly string[];
  /** The translator for a language tag or list (fr-FR → fr); anything no catalog speaks gets the default. */
  translator(lang: string | null | undefined): Translator;
}

/**
 * Formats messages with intl-messageformat (ICU MessageFormat: plurals and selects per language,
 * numbers and dates through Intl). A key missing in a language falls back to the default
 * language's message; a key missing everywhere shows the key, which the catalog test catches first.
 */
export function createI18n(catalogs: ReadonlyMap<string, Catalog>): I18n {
  const languages = [DEFAULT_LANGUAGE, ...[...catalogs.keys()].filter((l) => l !== DEFAULT_LANGUAGE)];
  const fallback = catalogs.get(DEFAULT_LANGUAGE)!;
  const translators = new Map(languages.map((lang) => [lang, makeTranslator(lang, catalogs.get(lang)!, fallback)]));
  return { languages, translator: (lang) => translators.get(matchLanguage(lang, languages) ?? DEFAULT_LANGUAGE)! };
}

function makeTranslator(lang: string, catalog: Catalog, fallback: Catalog): Translator {
  const compiled = new Map<string, IntlMessageFormat>();
  const formatter = (key: string): IntlMessageFormat | undefined => {
    let mf = compiled.get(key);
    if (!mf) {
      const own = catalog.get(key);
      const message = own ?? fallback.get(key);
      if (message === undefined) return undefined;
      mf = new IntlMessageFormat(message, own !== undefined ? lang : DEFAULT_LANGUAGE);
      compiled.set(key, mf);
    }
    return mf;
  };
  const format = (key: string, params: MessageParams | undefined): string => {
    const mf = formatter(key);
    if (!mf) return key;
    const out = mf.format<string>(params as Record<string, PrimitiveType>);
    return Array.isArray(out) ? out.join('') : String(out);
  };
  // Made at first use: building Intl formatters loads the language's ICU data, about a tenth of a
  // start for every language at once (issue 20), while most starts format no date before a page asks.
  const dates = { long: once(() => new Intl.DateTimeFormat(lang, { dateStyle: 'long', timeZone: 'UTC' })), short: once(() => new Intl.DateTimeFormat(lang, { dateStyle: 'short', timeZone: 'UTC' })) };
  const dateTimes = once(() => new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }));
  const numbers = once(() => new Intl.NumberFormat(lang));
  return {
    lang,
    t: (key, params) => format(key, { ...STYLE_TAGS_AS_TEXT, ...asText(params) }),
    html: (key, params) => format(key, { ...STYLE_TAGS, ...escapeParams(params) }),
    has: (key) => catalog.has(key) || fallback.has(key),
    link: (href) => Object.assign((chunks: string[]) => `<a href="${escapeHtml(href)}">${chunks.join('')}</a>`, { [LINK]: href }),
    date: (value, style = 'long') => dates[style]().format(typeof value === 'string' ? new Date(value) : value),
    dateTime: (value) => `${dateTimes().format(typeof value === 'string' ? new Date(value) : value)} UTC`,
    number: (value) => numbers().format(value),
  };
}

const tag = (open: string, close: string) => (chunks: string[]) => `${open}${chunks.join('')}${close}`;
/** The markup a message may carry; the same message read as text keeps only the words. */
const STYLE_TAGS: MessageParams = { strong: tag('<strong>', '</strong>'), em: tag('<em>', '</em>'), code: tag('<code>', '</code>'), who: tag('<span class="who">', '</span>') };
const STYLE_TAGS_AS_TEXT: MessageParams = Object.fromEntries(Object.keys(STYLE_TAGS).map((name) => [name, (chunks: string[]) => chunks.join('')]));

const LINK = Symbol('link');

/** Read as text (a text mail, an attribute), a link keeps its words and drops the markup. */
function asText(params: MessageParams | undefined): MessageParams {
  const out: MessageParams = {};
  for (const [name, value] of Object.entries(params ?? {})) out[name] = typeof value === 'function' && LINK in value ? (chunks: string[]) => chunks.join('') : value;
  return out;
}

function escapeParams(params: MessageParams | undefined): MessageParams {
  const out: MessageParams = {};
  for (const [name, value] of Object.entries(params ?? {})) out[name] = typeof value === 'string' ? escapeHtml(value) : value;
  return out;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** The value `make` returns, made at the first call and kept. */
function once<T>(make: () => T): () => T {
  let made: T | undefined;
  return () => (made ??= make());
}
