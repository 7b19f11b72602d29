import { randomUUID } from 'node:crypto';
import type { Database } from '../db/connect.js';
import { nowIso } from '../lib/clock.js';
import { toDirectoryAudit } from './directory-audits.js';
import type { SecurityEventStream } from './event-stream.js';

export interface AuditEntry {
  category: 'UserManagement' | 'GroupManagement' | 'ApplicationManagement' | 'Invitation' | 'KeyManagement' | 'Authentication' | 'RoleManagement' | 'DirectoryManagement';
  activity: string;
  result: 'success' | 'failure';
  resultReason?: string;
  actor: { type: 'user' | 'app' | 'system' | 'cli'; id?: string };
  target?: { type: string; id: string };
  /** Never secrets: this is readable through the API. */
  details?: Record<string, unknown>;
  correlationId?: string;
}

/**
 * The directory audit log (who changed what). Writes join the caller's transaction when given; the
 * SIEM stream (event-stream.ts) then hears of the entry only once that transaction commits, so it
 * never carries a change that was rolled back.
 */
export class AuditLog {
  constructor(
    private readonly db: Database,
    private readonly stream?: SecurityEventStream,
  ) {}

  async record(entry: AuditEntry, trx: Database = this.db): Promise<void> {
    const row = {
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
    };
    await trx('audit_log').insert(row);
    const stream = this.stream;
    if (!stream) return;
    const emit = () => stream.emit('directoryAudit', toDirectoryAudit(row));
    if (trx.isTransaction) void (trx as Database & { executionPromise: Promise<unknown> }).executionPromise.then(emit, () => undefined);
    else emit();
  }

  async recent(limit = 100): Promise<Record<string, unknown>[]> {
    return this.db('audit_log').orderBy('activity_at', 'desc').limit(limit);
  }
}
