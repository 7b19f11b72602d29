import type { Database } from '../db/connect.js';

/** Which audit entries to list (every field optional; all given must match). */
export interface DirectoryAuditFilter {
  activityDisplayName?: string;
  category?: string;
  targetId?: string;
  initiatedByUserId?: string;
  initiatedByAppId?: string;
  after?: string;
  before?: string;
}

interface AuditRow {
  id: string;
  activity_at: string;
  category: string;
  activity: string;
  result: string;
  result_reason: string | null;
  actor_type: string;
  actor_id: string | null;
  target_type: string | null;
  target_id: string | null;
  details: string | null;
  correlation_id: string | null;
}

/** Graph's directoryAudit: what was done, by whom (a user, an app, or Foyer itself), to what. */
export function toDirectoryAudit(r: AuditRow) {
  const details = r.details ? (JSON.parse(r.details) as Record<string, unknown>) : {};
  return {
    id: r.id,
    category: r.category,
    correlationId: r.correlation_id,
    result: r.result,
    resultReason: r.result_reason ?? '',
    activityDisplayName: r.activity,
    activityDateTime: r.activity_at,
    loggedByService: 'Core Directory',
    operationType: operationType(r.activity),
    initiatedBy: {
      user: r.actor_type === 'user' ? { id: r.actor_id } : null,
      app: r.actor_type === 'app' ? { appId: r.actor_id, displayName: null } : r.actor_type === 'system' || r.actor_type === 'cli' ? { appId: null, displayName: r.actor_type === 'system' ? 'Foyer lifecycle' : 'Foyer CLI' } : null,
    },
    targetResources: r.target_id ? [{ id: r.target_id, type: r.target_type, modifiedProperties: [] }] : [],
    additionalDetails: Object.entries(details).map(([key, value]) => ({ key, value: typeof value === 'string' ? value : JSON.stringify(value) })),
  };
}

export type DirectoryAudit = ReturnType<typeof toDirectoryAudit>;

function operationType(activity: string): string {
  const verb = activity.split(' ')[0]!.toLowerCase();
  if (['add', 'invite', 'create'].includes(verb)) return 'Add';
  if (['delete', 'remove', 'revoke'].includes(verb)) return 'Delete';
  return 'Update';
}

/** Reads the directory audit log (audit-log.ts writes it), newest first. */
export async function listDirectoryAudits(db: Database, opts: { top: number; skip: number; filter: DirectoryAuditFilter }): Promise<DirectoryAudit[]> {
  const f = opts.filter;
  const q = db<AuditRow>('audit_log');
  if (f.activityDisplayName) q.where('activity', f.activityDisplayName);
  if (f.category) q.where('category', f.category);
  if (f.targetId) q.where('target_id', f.targetId);
  if (f.initiatedByUserId) q.where({ actor_type: 'user', actor_id: f.initiatedByUserId });
  if (f.initiatedByAppId) q.where({ actor_type: 'app', actor_id: f.initiatedByAppId });
  if (f.after) q.where('activity_at', '>=', f.after);
  if (f.before) q.where('activity_at', '<=', f.before);
  const rows = await q.orderBy([{ column: 'activity_at', order: 'desc' }, { column: 'id', order: 'desc' }]).limit(opts.top).offset(opts.skip);
  return rows.map(toDirectoryAudit);
}

export async function getDirectoryAudit(db: Database, id: string): Promise<DirectoryAudit | undefined> {
  const row = await db<AuditRow>('audit_log').where({ id }).first();
  return row ? toDirectoryAudit(row as AuditRow) : undefined;
}
