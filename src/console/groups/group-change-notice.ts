import type { Context } from 'koa';
import type { Database } from '../../db/connect.js';
import type { UsersRepository } from '../../directory/users-repository.js';
import type { PageRenderer } from '../../http/render.js';
import { portalUser } from '../../portal/portal-auth.js';

/** Each audit activity as the notice's catalog key and whether a member or an owner changed. */
const SAID: Record<string, { key: string; link: 'member' | 'owner' }> = {
  'Add member to group': { key: 'console.group.added', link: 'member' },
  'Add owner to group': { key: 'console.group.added', link: 'owner' },
  'Remove member from group': { key: 'console.group.removed', link: 'member' },
  'Remove owner from group': { key: 'console.group.removed', link: 'owner' },
};

/**
 * The notice after adding or removing a member or owner, read back from the audit entry the
 * change wrote: the redirect carries the request's correlation id as `done`, and only an entry
 * the viewer made, on this group, counts. The address shown is the one the entry names, so a
 * crafted link can show a person nothing but what they just did themselves.
 */
export async function groupChangeNotice(deps: { db: Database; users: UsersRepository; renderer: PageRenderer }, ctx: Context, group: { id: string; displayName: string }): Promise<string | undefined> {
  const done = typeof ctx.query.done === 'string' ? ctx.query.done : '';
  if (!/^[A-Za-z0-9._-]{8,64}$/.test(done)) return undefined;
  const row = (await deps
    .db('audit_log')
    .where({ correlation_id: done, actor_type: 'user', actor_id: portalUser(ctx).id, target_type: 'Group', target_id: group.id, result: 'success' })
    .whereIn('activity', Object.keys(SAID))
    .orderBy('activity_at', 'desc')
    .first('activity', 'details')) as { activity: string; details: string | null } | undefined;
  const userId = row?.details ? (JSON.parse(row.details) as { userId?: unknown }).userId : undefined;
  const user = typeof userId === 'string' ? await deps.users.findById(userId) : undefined;
  if (!row || !user) return undefined;
  const said = SAID[row.activity]!;
  return deps.renderer.translator(ctx).t(said.key, { mail: user.mail, group: group.displayName, link: said.link });
}
