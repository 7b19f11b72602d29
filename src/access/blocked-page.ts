import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { UsersRepository } from '../directory/users-repository.js';
import type { PageRenderer } from '../http/render.js';
import { clientName, type InteractionDetails } from '../interaction/interaction-context.js';
import { promptDetails } from './finish-access-step.js';

export const BLOCKED_CODE = 'blockedByConditionalAccess';

/**
 * The block control: a page saying access is blocked, with the correlation id of the sign-in log
 * row, whose only way on is back to the app with access_denied. The interaction's result is set
 * to that error before the page is shown, so nothing can be issued from it.
 */
export function blockedPage(deps: { provider: Provider; users: UsersRepository; renderer: PageRenderer }) {
  return async function show(ctx: Context, details: InteractionDetails): Promise<void> {
    if (!(details.result as { error?: string } | undefined)?.error) {
      await deps.provider.interactionResult(
        ctx.req,
        ctx.res,
        { error: 'access_denied', error_description: 'Access to this app is blocked by a conditional access policy.' },
        { mergeWithLastSubmission: false },
      );
    }
    const user = details.session?.accountId ? await deps.users.findById(details.session.accountId) : undefined;
    await deps.renderer.page(
      ctx,
      'blocked',
      {
        appName: await clientName(deps.provider, details),
        userEmail: user?.mail ?? '',
        correlationId: promptDetails(details).correlationId ?? ctx.state.requestId,
        continueUrl: details.returnTo,
        code: BLOCKED_CODE,
      },
      403,
    );
  };
}
