import { join } from 'node:path';
import { Eta } from 'eta';
import type { Context } from 'koa';
import type { TenantConfig } from '../config/tenant-schema.js';
import { loadCatalogs } from '../i18n/catalogs.js';
import { requestLanguage } from '../i18n/request-language.js';
import { createI18n, type I18n, type Translator } from '../i18n/translator.js';
import { projectRoot } from '../lib/project-root.js';

export interface PageRenderer {
  /** Renders `views/<name>.eta` inside the branded layout, in the request's language, and sends it as the response. */
  page(ctx: Context, name: string, data: Record<string, unknown>, status?: number): Promise<void>;
  /** Renders a template to a string (mail bodies), in `lang` (a supported language; the default otherwise). */
  text(name: string, data: Record<string, unknown>, lang?: string | null): Promise<string>;
  /** The messages of this request's language, for text a route composes (errors shown on a form, labels). */
  translator(ctx: Context): Translator;
  /** The messages of one language (a mail's recipient's): a tag such as fr-FR, the default when no catalog speaks it. */
  translatorFor(lang: string | null | undefined): Translator;
  /** The languages there are catalogs for, default first. */
  readonly languages: readonly string[];
}

let sharedI18n: I18n | undefined;
/** The catalogs are read once per process (they only change with a release). */
function defaultI18n(): I18n {
  sharedI18n ??= createI18n(loadCatalogs());
  return sharedI18n;
}

/**
 * Eta escapes `<%= %>` output by default; templates use `<%~ %>` only for already-safe HTML (a
 * message from `it.html()`, which escapes its parameters). Every view gets the messages of its
 * language: `it.t(key, params)`, `it.html(key, params)`, `it.link(href)`, `it.date(iso)`, `it.lang`.
 */
export function createRenderer(tenant: TenantConfig, cache: boolean, i18n: I18n = defaultI18n()): PageRenderer {
  const eta = new Eta({ views: join(projectRoot, 'views'), cache, autoEscape: true, autoTrim: false });
  const withMessages = (tr: Translator) => ({ i18n: tr, lang: tr.lang, t: tr.t, html: tr.html, link: tr.link, date: tr.date, dateTime: tr.dateTime, number: tr.number });
  const translator = (ctx: Context) => i18n.translator(requestLanguage(ctx, i18n.languages));
  return {
    async page(ctx, name, data, status = 200) {
      const body = await eta.renderAsync(name, {
        ...data,
        ...withMessages(translator(ctx)),
        tenant,
        csrfToken: ctx.state.csrfToken as string | undefined,
        requestId: ctx.state.requestId as string | undefined,
      });
      ctx.status = status;
      ctx.type = 'html';
      // The page depends on Accept-Language: a shared cache must not hand the French page to everyone.
      ctx.vary('Accept-Language');
      ctx.body = body;
    },
    text: (name, data, lang) => eta.renderAsync(name, { ...data, ...withMessages(i18n.translator(lang)), tenant }),
    translator,
    translatorFor: (lang) => i18n.translator(lang),
    languages: i18n.languages,
  };
}
