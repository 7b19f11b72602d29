import type { Context } from 'koa';
import { z } from 'zod';
import { HttpError } from '../http/http-error.js';
import type { PageRenderer } from '../http/render.js';
import type { Translator } from '../i18n/translator.js';
import { portalUser } from '../portal/portal-auth.js';
import { consolePageBase } from './console-page.js';

/** Console list pages show this many rows and fetch one more to know whether there is a next page. */
export const CONSOLE_PAGE_SIZE = 50;

/**
 * A console page's query (filters, page number), strictly: a filter that cannot be read is a 400
 * page that says which, never a silently unfiltered list and never a 500.
 */
export function parseConsoleQuery<T extends z.ZodType>(schema: T, ctx: Context): z.infer<T> {
  for (const [key, value] of Object.entries(ctx.query)) {
    if (Array.isArray(value)) throw new HttpError(400, 'invalidFilter', `Give ${key} once.`);
  }
  const parsed = schema.safeParse({ ...ctx.query });
  if (!parsed.success) {
    throw new HttpError(400, 'invalidFilter', `The filter cannot be used: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'query'}: ${i.message}`).join('; ')}.`);
  }
  return parsed.data;
}

/** The page number of a console list (1 when absent). */
export const pageNumber = z.coerce.number({ error: 'must be a page number' }).int('must be a whole number').min(1, 'must be 1 or more').max(10_000, 'is too far').default(1);

/** Optional text filter: empty means absent. */
export const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max, `must be at most ${max} characters`)
    .optional()
    .transform((v) => (v ? v : undefined));

/** A date (YYYY-MM-DD) or date-time from a form's date input; empty means absent. */
export const optionalDate = z
  .string()
  .trim()
  .optional()
  .transform((v, ctx) => {
    if (!v) return undefined;
    const at = /^\d{4}-\d\d-\d\d$/.test(v) ? new Date(`${v}T00:00:00Z`) : z.iso.datetime({ offset: true }).safeParse(v).success ? new Date(v) : undefined;
    if (!at || Number.isNaN(at.getTime())) {
      ctx.addIssue({ code: 'custom', message: 'must be a date like 2026-12-07' });
      return z.NEVER;
    }
    return at;
  });

/** Previous and next links of a paged list that keep its filters. */
export function pageLinks(path: string, filters: Record<string, string | undefined>, page: number, hasNext: boolean): { previous: string; next: string } {
  const link = (n: number) => `${path}?${new URLSearchParams({ ...Object.fromEntries(Object.entries(filters).filter((e): e is [string, string] => Boolean(e[1]))), page: String(n) })}`;
  return { previous: page > 1 ? link(page - 1) : '', next: hasNext ? link(page + 1) : '' };
}

/** A form body's fields as strings (absent fields are empty). */
export function formFields(ctx: Context): Record<string, string> {
  const body = (ctx.request.body ?? {}) as Record<string, unknown>;
  return Object.fromEntries(Object.entries(body).map(([k, v]) => [k, typeof v === 'string' ? v : '']));
}

/** The admin acting, as the audit log names them. */
export const consoleActor = (ctx: Context) => ({ type: 'user' as const, id: portalUser(ctx).id });

/**
 * A destructive action asks first: without `confirm=yes` in the form the answer is a page that
 * says what will change, with a button that posts the same form again with confirm=yes. Returns
 * true when the caller may go ahead.
 */
export async function confirmedOrAsk(
  ctx: Context,
  renderer: PageRenderer,
  section: string,
  ask: { title: string; message: string; confirmLabel: string; cancelUrl: string; fields?: Record<string, string> },
): Promise<boolean> {
  if (formFields(ctx).confirm === 'yes') return true;
  await renderer.page(ctx, 'console-confirm', { ...consolePageBase(ctx, section), ...ask, action: ctx.path, fields: ask.fields ?? {} });
  return false;
}

/**
 * A console form's problems, in the page's language: the console's zod messages are catalog keys
 * (a message that is not one, such as zod's own, shows as written).
 */
export function formProblems(tr: Translator, error: z.ZodError): string {
  return error.issues.map((i) => tr.t(i.message)).join(' ');
}
