import type { Context } from 'koa';
import type { AuditLog } from '../audit/audit-log.js';
import type { UsersRepository } from '../directory/users-repository.js';
import type { PageRenderer } from '../http/render.js';
import type { InteractionDetails } from '../interaction/interaction-context.js';
import type { AssignmentGate } from './assignment-gate.js';

/**
 * The page for the `assignment` prompt: says which app refused, who is signed in, and whom to ask
 * (the app's owners from config, else the organisation's support address). Its only way on is back
 * to the app with access_denied (the interaction's abort route), so nothing is ever issued.
 */
export function assignmentPage(deps: { gate: AssignmentGate; users: UsersRepository; audit: AuditLog; renderer: PageRenderer }) {
  return async function show(ctx: Context, details: InteractionDetails): Promise<void> {
    const clientId = String(details.params.client_id);
    const app = deps.gate.restricted(clientId);
    const accountId = details.session?.accountId;
    const user = accountId ? await deps.users.findById(accountId) : undefined;
    await deps.audit.record({
      category: 'Authentication',
      activity: 'Sign-in refused',
      result: 'failure',
      resultReason: 'notAssigned',
      actor: { type: 'user', id: accountId },
      target: { type: 'Application', id: clientId },
      correlationId: ctx.state.requestId,
    });
    await deps.renderer.page(
      ctx,
      'not-assigned',
      {
        appName: app?.displayName ?? clientId,
        userEmail: user?.mail ?? '',
        owners: app?.owners ?? [],
        abortUrl: `/interaction/${details.uid}/abort`,
        code: 'notAssignedToApp',
      },
      403,
    );
  };
}
