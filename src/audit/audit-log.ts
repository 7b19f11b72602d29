import { randomUUID } from 'node:crypto';
import type { Database } from '../db/connect.js';
import { nowIso } from '../lib/clock.js';

export interface AuditEntry {
  category: 'UserManagement' | 'GroupManagement' | 'ApplicationManagement' | 'Invitation' | 'KeyManagement' | 'Authentication' | 'RoleManagement';
  activity: string;
  result: 'success' | 'failure';
  resultReason?: string;
  actor: { type: 'user' | 'app' | 'system' | 'cli'; id?: string };
  target?: { type: string; id: string };
  /** Never secrets: this is readable through the API. */
  details?: Record<string, unknown>;
  correlationId?: string;
}

/** The directory audit log (who changed what). Writes join the caller's transaction when given. */
export class AuditLog {
  constructor(private readonly db: Database) {}

  async record(entry: AuditEntry, trx: Database = this.db): Promise<void> {
    await trx('audit_log').insert({
      id: randomUUID(),
      activity_at: nowIso(),
      category: entry.category,
      activity: entry.activity,
      result: entry.result,
      result_reason: entry.resultReason ?? null,
      actor_type: entry.actor.type,
      actor_id: entry.actor.id ?? null,
      target_type: entry.target?.type ?? null,
      target_id: entry.target?.id ?? null,
      details: entry.details ? JSON.stringify(entry.details) : null,
      correlation_id: entry.correlationId ?? null,
    });
  }

  async recent(limit = 100): Promise<Record<string, unknown>[]> {
    return this.db('audit_log').orderBy('activity_at', 'desc').limit(limit);
  }
}
