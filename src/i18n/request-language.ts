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
