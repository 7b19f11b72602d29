import type { KoaContextWithOIDC } from 'oidc-provider';
import type { PageRenderer } from '../http/render.js';

/** Branded versions of the pages oidc-provider renders itself (errors, logout confirmation). */
export function providerPages(renderer: PageRenderer) {
  return {
    async renderError(ctx: KoaContextWithOIDC, out: { error: string; error_description?: string }) {
      const status = ctx.status >= 400 ? ctx.status : 400;
      await renderer.page(
        ctx,
        'error',
        {
          heading: status >= 500 ? 'Something went wrong' : 'The sign-in request could not be completed',
          message: out.error_description ?? 'The app sent a request Foyer cannot process.',
          nextStep: status >= 500 ? 'Try again in a moment.' : 'Go back to the app and start the sign-in again. If it keeps happening, tell the app owner.',
          code: out.error,
        },
        status,
      );
    },
    async logoutSource(ctx: KoaContextWithOIDC, form: string) {
      // oidc-provider's form carries its own xsrf token and action; keep them, render our page.
      const action = /action="([^"]+)"/.exec(form)?.[1] ?? '';
      const xsrf = /name="xsrf" value="([^"]+)"/.exec(form)?.[1] ?? '';
      await renderer.page(ctx, 'logout', { action, xsrf, appName: ctx.oidc.client?.clientName });
    },
    async postLogoutSuccessSource(ctx: KoaContextWithOIDC) {
      await renderer.page(ctx, 'logged-out', { appName: ctx.oidc.client?.clientName });
    },
  };
}
