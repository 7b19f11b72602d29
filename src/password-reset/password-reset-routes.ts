import { Router } from '@koa/router';
import { z } from 'zod';
import { parseBodies } from '../http/body-parser.js';
import { csrfProtection } from '../http/csrf.js';
import { HttpError } from '../http/http-error.js';
import type { PageRenderer } from '../http/render.js';
import { myAppsUrl } from '../portal/portal-client.js';
import { linkRefused, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, type PasswordResetService } from './password-reset-service.js';
import { pageMessage } from '../i18n/page-message.js';

const forgotForm = z.object({ email: z.email().max(320) });
const resetForm = z.object({ t: z.string().max(64), password: z.string().max(1024), confirm: z.string().max(1024) });

/**
 * The pages of a password reset: asking for a link (`/password/forgot`, the same answer for every
 * address) and using it (`/password/reset?t=…`: the form; its post uses the link). The token is in
 * the query only on the mailed link; the form posts it back, and Referrer-Policy keeps it home.
 */
export function passwordResetRoutes(deps: { service: PasswordResetService; renderer: PageRenderer; issuer: string; ttlMinutes: number; secureCookies: boolean }): Router {
  const { service, renderer } = deps;
  const router = new Router({ prefix: '/password' });
  router.use(parseBodies(), csrfProtection({ secure: deps.secureCookies }), async (ctx, next) => {
    ctx.set('Cache-Control', 'no-store');
    await next();
  });

  router.get('/forgot', async (ctx) => {
    const email = typeof ctx.query.email === 'string' && ctx.query.email.length <= 320 ? ctx.query.email : '';
    await renderer.page(ctx, 'password-forgot', { email });
  });

  router.post('/forgot', async (ctx) => {
    const raw = (ctx.request.body as Record<string, unknown> | undefined)?.email;
    const parsed = forgotForm.safeParse({ email: typeof raw === 'string' ? raw.trim() : raw });
    const tr = renderer.translator(ctx);
    if (!parsed.success) return renderer.page(ctx, 'password-forgot', { email: typeof raw === 'string' ? raw.slice(0, 320) : '', error: tr.t('passwordForgot.invalidEmail') }, 400);
    const outcome = await service.request(parsed.data.email, ctx.ip, ctx.state.requestId as string | undefined, tr.lang);
    if (outcome === 'limited') {
      return renderer.page(ctx, 'password-forgot', { email: parsed.data.email, error: tr.t('passwordForgot.tooMany') }, 429);
    }
    await renderer.page(ctx, 'password-forgot-sent', { email: parsed.data.email, ttlMinutes: deps.ttlMinutes });
  });

  router.get('/reset', async (ctx) => {
    const ticket = ctx.query.t;
    const state = await service.inspect(ticket);
    if (state !== 'valid') throw linkRefused(state);
    await renderer.page(ctx, 'password-reset', { ticket, minLength: MIN_PASSWORD_LENGTH });
  });

  router.post('/reset', async (ctx) => {
    const parsed = resetForm.safeParse(ctx.request.body ?? {});
    if (!parsed.success) throw new HttpError(400, 'resetLinkInvalid', 'This password reset form is incomplete. Open the link from the mail again.');
    const { t, password, confirm } = parsed.data;
    const again = (error: string) => renderer.page(ctx, 'password-reset', { ticket: t, minLength: MIN_PASSWORD_LENGTH, error }, 400);
    const tr = renderer.translator(ctx);
    if (password !== confirm) return again(tr.t('passwordReset.mismatch'));
    try {
      await service.complete(t, password, ctx.ip, ctx.state.requestId as string | undefined);
    } catch (err) {
      if (err instanceof HttpError && (err.code === 'passwordTooShort' || err.code === 'passwordTooLong')) return again(pageMessage(tr, err, { min: MIN_PASSWORD_LENGTH, max: MAX_PASSWORD_LENGTH }));
      throw err;
    }
    await renderer.page(ctx, 'password-reset-done', { signInUrl: myAppsUrl(deps.issuer) });
  });

  return router;
}
