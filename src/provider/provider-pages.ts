import type { KoaContextWithOIDC } from 'oidc-provider';
import type { PageRenderer } from '../http/render.js';
import { askForLanguage } from '../i18n/request-language.js';

/**
 * Branded versions of the pages oidc-provider renders itself (errors, logout confirmation), in the
 * language the app asked for (`ui_locales`) when a catalog speaks it, else the browser's. The
 * protocol's own error description stays as oidc-provider wrote it: it is for the app's developer.
 */
export function providerPages(renderer: PageRenderer) {
  const speak = (ctx: KoaContextWithOIDC) => {
    askForLanguage(ctx, ctx.oidc?.params?.ui_locales);
    return renderer.translator(ctx);
  };
  return {
    async renderError(ctx: KoaContextWithOIDC, out: { error: string; error_description?: string }) {
      const status = ctx.status >= 400 ? ctx.status : 400;
      const tr = speak(ctx);
      await renderer.page(
        ctx,
        'error',
        {
          heading: tr.t(status >= 500 ? 'error.headingServer' : 'error.headingProtocol'),
          message: out.error_description ?? tr.t('error.protocolMessage'),
          nextStep: tr.t(status >= 500 ? 'error.tryAgainLater' : 'error.protocolNextStep'),
          code: out.error,
        },
        status,
      );
    },
    async logoutSource(ctx: KoaContextWithOIDC, form: string) {
      // oidc-provider's form carries its own xsrf token and action; keep them, render our page.
      const action = /action="([^"]+)"/.exec(form)?.[1] ?? '';
      const xsrf = /name="xsrf" value="([^"]+)"/.exec(form)?.[1] ?? '';
      speak(ctx);
      await renderer.page(ctx, 'logout', { action, xsrf, appName: ctx.oidc.client?.clientName });
    },
    async postLogoutSuccessSource(ctx: KoaContextWithOIDC) {
      speak(ctx);
      await renderer.page(ctx, 'logged-out', { appName: ctx.oidc.client?.clientName });
    },
  };
}
