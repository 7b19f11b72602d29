import type { Context } from 'koa';
import { portalUser } from '../../portal/portal-auth.js';
import type { GuestsConsoleDeps } from './guests-console-deps.js';

/** What an action's audit activity tells the admin afterwards (the audit log says it in Graph's words). */
const CONSEQUENCES: Record<string, string> = {
  'Disable account': 'They can no longer sign in.',
  'Revoke sign-in sessions': 'They are signed out everywhere; their refresh tokens no longer work.',
  'Revoke sign-in session': 'That session is over; its refresh tokens no longer work.',
  'Reset redemption': 'They must accept the new invitation (they may sign in with a different account).',
  'Resend invitation': 'The link in the earlier invitation no longer works.',
  'Add app role assignment to user': 'It reaches the app at their next sign-in or token refresh.',
  'Remove app role assignment from user': 'It leaves the app at their next sign-in or token refresh.',
};

/**
 * The notice after an action: who did what to whom, read back from the audit entries the action
 * wrote (the redirect carries the request's correlation id as `done`). Only the viewer's own
 * entries are shown, so a link cannot make the page say someone else did something.
 */
export async function actionNotice(deps: Pick<GuestsConsoleDeps, 'db' | 'users'>, ctx: Context): Promise<string[] | undefined> {
  const done = typeof ctx.query.done === 'string' ? ctx.query.done : '';
  if (!/^[A-Za-z0-9._-]{8,64}$/.test(done)) return undefined;
  const admin = portalUser(ctx);
  const rows: { activity: string; target_id: string | null; details: string | null }[] = await deps
    .db('audit_log')
    .where({ correlation_id: done, actor_type: 'user', actor_id: admin.id, result: 'success' })
    .orderBy('activity_at')
    .select('activity', 'target_id', 'details');
  if (rows.length === 0) return ['Nothing changed.'];
  const who = `${admin.displayName} (${admin.mail})`;
  const lines: string[] = [];
  for (const row of rows) {
    const target = row.target_id ? await deps.users.findById(row.target_id) : undefined;
    const details = row.details ? (JSON.parse(row.details) as Record<string, unknown>) : {};
    const whom = target ? `${target.displayName} (${target.mail})` : typeof details.mail === 'string' ? details.mail : 'a user who no longer exists';
    const app = typeof details.appId === 'string' ? ` at ${details.appId}` : '';
    lines.push(`${who}: ${row.activity}${app}: ${whom}. ${CONSEQUENCES[row.activity] ?? ''}`.trim());
  }
  return lines;
}
