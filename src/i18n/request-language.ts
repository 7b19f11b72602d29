import type { Context } from 'koa';
import { DEFAULT_LANGUAGE } from './catalogs.js';

/**
 * The language of one request's pages, decided the first time a page needs it (so the token
 * endpoint and the API never pay for it): the languages a route was asked for (`askForLanguage`:
 * the sign-in's `ui_locales`, an invitation's `messageLanguage`) when a catalog speaks one, else
 * the browser's Accept-Language, else the default.
 */
export function requestLanguage(ctx: Context, supported: readonly string[]): string {
  const decided = ctx.state.language as string | undefined;
  if (decided) return decided;
  const negotiated = ctx.acceptsLanguages([...supported]);
  const language = matchLanguage(ctx.state.askedLanguages as string | undefined, supported) ?? (typeof negotiated === 'string' ? negotiated : DEFAULT_LANGUAGE);
  ctx.state.language = language;
  return language;
}

/**
 * The language this request's person chose, as requestLanguage resolves it, or undefined when
 * the page fell back to the default because nobody said (no ui_locales or messageLanguage a
 * catalog speaks, no Accept-Language it matches): a sign-in may keep it as the person's
 * preferredLanguage, and a default nobody chose must not become one.
 */
export function chosenLanguage(ctx: Context, supported: readonly string[]): string | undefined {
  const asked = matchLanguage(ctx.state.askedLanguages as string | undefined, supported);
  if (asked) return asked;
  // Named languages only: Node's fetch and many clients send "*", which is nobody's choice.
  const named = ctx
    .get('accept-language')
    .split(',')
    .map((entry) => entry.split(';')[0]!.trim().toLowerCase())
    .filter((tag) => tag && tag !== '*');
  if (!named.length) return undefined;
  const negotiated = ctx.acceptsLanguages([...supported]);
  if (typeof negotiated !== 'string') return undefined;
  const primary = negotiated.toLowerCase().split('-')[0];
  // Matched through a wildcard only ("de, *"): the browser did not ask for this language.
  return named.some((tag) => tag === negotiated.toLowerCase() || tag.split('-')[0] === primary) ? negotiated : undefined;
}

/**
 * Records the languages this request was explicitly asked for (BCP 47 tags in order of
 * preference, space-separated as in `ui_locales`: "fr-CA en"); they win over Accept-Language.
 * Tags no catalog speaks are ignored, so an unknown language falls back to the browser's.
 */
export function askForLanguage(ctx: Context, tags: unknown): void {
  if (typeof tags === 'string' && tags.trim()) {
    ctx.state.askedLanguages = tags;
    ctx.state.language = undefined;
  }
}

/** The first supported language among space- or comma-separated tags, by exact tag then primary language (fr-FR → fr). */
export function matchLanguage(tags: string | null | undefined, supported: readonly string[]): string | undefined {
  if (!tags) return undefined;
  const lower = new Map(supported.map((s) => [s.toLowerCase(), s]));
  for (const tag of tags.split(/[\s,]+/).filter(Boolean).slice(0, 10)) {
    const exact = lower.get(tag.toLowerCase());
    if (exact) return exact;
    const primary = lower.get(tag.split('-')[0]!.toLowerCase());
    if (primary) return primary;
  }
  return undefined;
}
