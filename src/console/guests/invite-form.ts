import type { Router } from '@koa/router';
import { z } from 'zod';
import type { User } from '../../directory/user-model.js';
import { HttpError } from '../../http/http-error.js';
import { formErrorMessage } from '../../i18n/page-message.js';
import type { Translator } from '../../i18n/translator.js';
import type { Inviter } from '../../invitations/inviter.js';
import { portalUser } from '../../portal/portal-auth.js';
import { requireConsolePermission } from '../console-access.js';
import { formProblems } from '../console-forms.js';
import type { ShowGuests } from './guest-list-routes.js';
import type { GuestsConsoleDeps } from './guests-console-deps.js';

const ADMIN_PAGE_SCOPES: ReadonlySet<string> = new Set(['User.Invite.All', 'User.Read.All', 'User.ReadWrite.All']);

const inviteForm = z.object({
  email: z.string().trim().pipe(z.email('console.guests.enterEmail').max(320)),
  displayName: z.string().trim().max(256, 'console.guests.nameTooLong').optional(),
  redirect: z.string().min(1, 'console.guests.chooseLanding').max(2048),
  message: z.string().trim().max(4000, 'console.guests.messageTooLong').optional(),
});

/** Where an invited guest may land (the `<select id="redirect">` of the invite form). */
export function inviteLandings(deps: Pick<GuestsConsoleDeps, 'myAppsUrl' | 'apps'>, tr: Translator): { url: string; name: string }[] {
  // An app with third-party initiated login gets its guests signed in on arrival: the choice says so.
  return [{ url: deps.myAppsUrl, name: tr.t('console.common.myApps') }, ...deps.apps.filter((a) => a.launchUrl).map((a) => ({ url: a.launchUrl!, name: a.initiateLoginUri ? tr.t('console.guests.signedInOnArrival', { app: a.displayName }) : a.displayName }))];
}

/**
 * The console acts with what the admin's directory roles give (the invitation service checks them
 * again: account recovery, reset redemption, needs more than inviting).
 */
export function adminInviter(admin: User): Inviter {
  return { type: 'user', id: admin.id, displayName: admin.displayName, userType: admin.userType, roles: admin.roles, scopes: ADMIN_PAGE_SCOPES };
}

/** POST /myapps/admin/guests/invite: the inline invite form under the table. */
export function inviteRoute(router: Router, deps: GuestsConsoleDeps, show: ShowGuests): void {
  router.post('/invite', requireConsolePermission('User.Invite.All'), async (ctx) => {
    const body = (ctx.request.body ?? {}) as Record<string, unknown>;
    const form = { email: String(body.email ?? ''), displayName: String(body.displayName ?? ''), redirect: String(body.redirect ?? ''), message: String(body.message ?? '') };
    const parsed = inviteForm.safeParse({ ...form, displayName: form.displayName || undefined, message: form.message || undefined });
    if (!parsed.success) return show(ctx, { error: formProblems(deps.renderer.translator(ctx), parsed.error), form, status: 400 });
    try {
      await deps.invitations.create(
        {
          invitedUserEmailAddress: parsed.data.email,
          inviteRedirectUrl: parsed.data.redirect,
          invitedUserDisplayName: parsed.data.displayName,
          sendInvitationMessage: true,
          invitedUserMessageInfo: parsed.data.message ? { customizedMessageBody: parsed.data.message } : undefined,
          invitedUserType: 'Guest',
          resetRedemption: false,
        },
        adminInviter(portalUser(ctx)),
        ctx.state.requestId,
      );
    } catch (err) {
      if (err instanceof HttpError && err.status < 500) return show(ctx, { error: formErrorMessage(deps.renderer.translator(ctx), err), errorCode: err.code, form, status: err.status });
      throw err;
    }
    ctx.status = 303;
    ctx.redirect(`/myapps/admin/guests?done=${encodeURIComponent(String(ctx.state.requestId ?? ''))}`);
  });
}
