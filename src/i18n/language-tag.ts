import { HttpError } from '../http/http-error.js';

/** RFC 5646 §4.4.1: implementations should accept tags of at least 35 characters; the column holds that. */
export const MAX_LANGUAGE_TAG_LENGTH = 35;

/**
 * A well-formed BCP 47 language tag in its canonical case (`fr-fr` → `fr-FR`), or undefined.
 * Well-formed, not "has a catalog": Graph's preferredLanguage accepts any language, and a person's
 * language stays true when a catalog for it is added; until then their mails use the nearest
 * catalog (`fr-CA` → `fr`) or the default. Intl decides well-formedness (it parses tags as ICU does).
 */
export function canonicalLanguageTag(value: string): string | undefined {
  if (value.length === 0 || value.length > MAX_LANGUAGE_TAG_LENGTH || !/^[A-Za-z0-9]+(-[A-Za-z0-9]+)*$/.test(value)) return undefined;
  try {
    const [tag] = Intl.getCanonicalLocales(value);
    return tag && tag.length <= MAX_LANGUAGE_TAG_LENGTH ? tag : undefined;
  } catch {
    return undefined;
  }
}

/** A user's preferredLanguage as a caller sent it: a tag (canonicalised), or null to clear it; 400 `invalidPreferredLanguage` otherwise. */
export function parsePreferredLanguage(value: unknown): string | null {
  if (value === null) return null;
  const tag = typeof value === 'string' ? canonicalLanguageTag(value.trim()) : undefined;
  if (!tag) {
    throw new HttpError(400, 'invalidPreferredLanguage', `preferredLanguage must be a BCP 47 language tag such as fr or fr-FR (or null to clear it); ${JSON.stringify(value)?.slice(0, 60) ?? 'that value'} is not one.`, { field: 'preferredLanguage' });
  }
  return tag;
}
