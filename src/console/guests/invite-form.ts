import type { Router } from '@koa/router';
import { z } from 'zod';
import type { User } from '../../directory/user-model.js';
import { HttpError } from '../../http/http-error.js';
import type { Inviter } from '../../invitations/inviter.js';
import { portalUser } from '../../portal/portal-auth.js';
import { requireConsolePermission } from '../console-access.js';
import type { ShowGuests } from './guest-list-routes.js';
import type { GuestsConsoleDeps } from './guests-console-deps.js';

const ADMIN_PAGE_SCOPES: ReadonlySet<string> = new Set(['User.Invite.All', 'User.Read.All', 'User.ReadWrite.All']);

const inviteForm = z.object({
  email: z.string().trim().pipe(z.email('Enter the guest’s email address, like name@partner.example.').max(320)),
  displayName: z.string().trim().max(256, 'The name is too long (256 characters at most).').optional(),
  redirect: z.string().min(1, 'Choose where the guest lands after accepting.').max(2048),
  message: z.string().trim().max(4000, 'The message is too long (4000 characters at most).').optional(),
});

/** Where an invited guest may land (the `<select id="redirect">` of the invite form). */
export function inviteLandings(deps: Pick<GuestsConsoleDeps, 'myAppsUrl' | 'apps'>): { url: string; name: string }[] {
  // An app with third-party initiated login gets its guests signed in on arrival: the choice says so.
  return [{ url: deps.myAppsUrl, name: 'My Apps' }, ...deps.apps.filter((a) => a.launchUrl).map((a) => ({ url: a.launchUrl!, name: a.initiateLoginUri ? `${a.displayName} (signed in on arrival)` : a.displayName }))];
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
    if (!parsed.success) return show(ctx, { error: parsed.error.issues.map((i) => i.message).join(' '), form, status: 400 });
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
      if (err instanceof HttpError && err.status < 500) return show(ctx, { error: err.message, errorCode: err.code, form, status: err.status });
      throw err;
    }
    ctx.status = 303;
    ctx.redirect(`/myapps/admin/guests?done=${encodeURIComponent(String(ctx.state.requestId ?? ''))}`);
  });
}
