/**
 * The retention scenario's data: sign-in log and audit log rows written straight into their tables
 * (as SignInLog and AuditLog would leave them, about the same size), spread over days so some are
 * past retention and some are not; and what the two logs take on disk.
 */
import { randomUUID } from 'node:crypto';
import type { Database } from '../../src/db/connect.js';

const DAY_MS = 86_400_000;
const CHUNK = 500;

export interface LogSeed {
  /** Rows per table older than retention, and within it. */
  signIns: { old: number; fresh: number; retentionDays: number };
  audit: { old: number; fresh: number; retentionDays: number };
}

/** Spread between `fromDays` and `toDays` ago (fromDays < toDays). */
function agoIso(i: number, n: number, fromDays: number, toDays: number): string {
  const days = fromDays + ((toDays - fromDays) * (i + 0.5)) / Math.max(1, n);
  return new Date(Date.now() - days * DAY_MS).toISOString();
}

function signInRow(at: string, i: number) {
  return {
    id: randomUUID(),
    created_at: at,
    user_id: randomUUID(),
    user_principal_name: `g${i % 5000}@partner.example`,
    user_display_name: `Guest ${i % 5000}`,
    user_type: 'Guest',
    app_id: 'web-app',
    app_display_name: 'Web App',
    identity_provider: 'partner',
    ip_address: '127.0.0.1',
    correlation_id: randomUUID(),
    is_interactive: true,
    result: 'success',
    conditional_access_status: 'notApplied',
    applied_policies: '[{"id":"p1","displayName":"Require MFA for the MFA App","result":"notApplied"}]',
    authentication_requirement: 'singleFactorAuthentication',
    amr: '["fed"]',
  };
}

function auditRow(at: string, i: number) {
  return {
    id: randomUUID(),
    activity_at: at,
    category: 'UserManagement',
    activity: 'Update user',
    result: 'success',
    actor_type: 'app',
    actor_id: 'portal-app',
    target_type: 'User',
    target_id: randomUUID(),
    details: JSON.stringify({ modifiedProperties: [{ name: 'displayName', oldValue: `Guest ${i}`, newValue: `Guest ${i} (partner)` }] }),
    correlation_id: randomUUID(),
  };
}

async function insert(db: Database, table: string, n: number, row: (i: number) => Record<string, unknown>): Promise<void> {
  for (let start = 0; start < n; start += CHUNK) {
    const rows = Array.from({ length: Math.min(CHUNK, n - start) }, (_, k) => row(start + k));
    await db(table).insert(rows);
  }
}

export async function seedLogs(db: Database, seed: LogSeed): Promise<{ seconds: number }> {
  const started = performance.now();
  const { signIns, audit } = seed;
  // Old: from just past retention to three times it; fresh: within retention.
  await insert(db, 'sign_ins', signIns.old, (i) => signInRow(agoIso(i, signIns.old, signIns.retentionDays + 1, signIns.retentionDays * 3), i));
  await insert(db, 'sign_ins', signIns.fresh, (i) => signInRow(agoIso(i, signIns.fresh, 0, signIns.retentionDays - 1), i));
  await insert(db, 'audit_log', audit.old, (i) => auditRow(agoIso(i, audit.old, audit.retentionDays + 1, audit.retentionDays * 3), i));
  await insert(db, 'audit_log', audit.fresh, (i) => auditRow(agoIso(i, audit.fresh, 0, audit.retentionDays - 1), i));
  return { seconds: (performance.now() - started) / 1000 };
}

export interface LogSizes {
  signIns: number;
  signInsPastRetention: number;
  audit: number;
  auditPastRetention: number;
  /** Bytes the two tables and their indexes take (SQLite: dbstat pages; PostgreSQL: pg_total_relation_size). */
  bytes: number;
}

export async function logSizes(db: Database, retention: { signInDays: number; auditDays: number }): Promise<LogSizes> {
  const before = (days: number) => new Date(Date.now() - days * DAY_MS).toISOString();
  const count = async (table: string, column?: string, days?: number) => {
    const q = db(table);
    if (column) q.where(column, '<', before(days!));
    const [row] = await q.count({ n: '*' });
    return Number(row!.n);
  };
  return {
    signIns: await count('sign_ins'),
    signInsPastRetention: await count('sign_ins', 'created_at', retention.signInDays),
    audit: await count('audit_log'),
    auditPastRetention: await count('audit_log', 'activity_at', retention.auditDays),
    bytes: await tableBytes(db),
  };
}

async function tableBytes(db: Database): Promise<number> {
  if (db.client.config.client === 'pg') {
    const r = await db.raw<{ rows: { n: string }[] }>("select pg_total_relation_size('sign_ins') + pg_total_relation_size('audit_log') as n");
    return Number(r.rows[0]!.n);
  }
  const r = (await db.raw("select sum(pgsize) as n from dbstat where name in (select name from sqlite_master where tbl_name in ('sign_ins', 'audit_log'))")) as { n: number }[];
  return Number(r[0]!.n);
}
