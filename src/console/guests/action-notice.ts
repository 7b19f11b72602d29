import type { Context } from 'koa';
import { portalUser } from '../../portal/portal-auth.js';
import type { GuestsConsoleDeps } from './guests-console-deps.js';

/** What an action's audit activity tells the admin afterwards (the audit log says it in Graph's words): catalog keys. */
const CONSEQUENCES: Record<string, string> = {
  'Disable account': 'console.notice.disabled',
  'Revoke sign-in sessions': 'console.notice.sessionsRevoked',
  'Revoke sign-in session': 'console.notice.sessionRevoked',
  'Reset redemption': 'console.notice.redemptionReset',
  'Resend invitation': 'console.notice.invitationResent',
  'Add app role assignment to user': 'console.notice.roleGiven',
  'Remove app role assignment from user': 'console.notice.roleTaken',
};

/**
 * The notice after an action: who did what to whom, read back from the audit entries the action
 * wrote (the redirect carries the request's correlation id as `done`). Only the viewer's own
 * entries are shown, so a link cannot make the page say someone else did something.
 */
export async function actionNotice(deps: Pick<GuestsConsoleDeps, 'db' | 'users' | 'renderer'>, ctx: Context): Promise<string[] | undefined> {
  const done = typeof ctx.query.done === 'string' ? ctx.query.done : '';
  if (!/^[A-Za-z0-9._-]{8,64}$/.test(done)) return undefined;
  const admin = portalUser(ctx);
  const rows: { activity: string; target_id: string | null; details: string | null }[] = await deps
    .db('audit_log')
    .where({ correlation_id: done, actor_type: 'user', actor_id: admin.id, result: 'success' })
    .orderBy('activity_at')
    .select('activity', 'target_id', 'details');
  const tr = deps.renderer.translator(ctx);
  if (rows.length === 0) return [tr.t('console.notice.nothingChanged')];
  const who = `${admin.displayName} (${admin.mail})`;
  const lines: string[] = [];
  for (const row of rows) {
    const target = row.target_id ? await deps.users.findById(row.target_id) : undefined;
    const details = row.details ? (JSON.parse(row.details) as Record<string, unknown>) : {};
    const whom = target ? `${target.displayName} (${target.mail})` : typeof details.mail === 'string' ? details.mail : tr.t('console.notice.goneUser');
    // The activity keeps the audit log's (Graph's) name, so the notice and the log can be matched.
    const what = typeof details.appId === 'string' ? tr.t('console.notice.activityAt', { activity: row.activity, app: details.appId }) : row.activity;
    const consequence = CONSEQUENCES[row.activity];
    lines.push(`${tr.t('console.notice.line', { actor: who, what, whom })} ${consequence ? tr.t(consequence) : ''}`.trim());
  }
  return lines;
}
