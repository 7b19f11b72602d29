/**
 * "Nothing changed" for the web and OIDC attack tests: the directory as rows (users, identities,
 * invitations, groups, assignments, MFA factors, terms accepted, successful audit events), the
 * state oidc-provider keeps per kind (sessions, grants, tokens), and the mail Foyer sent. A test
 * takes a snapshot before the attack and compares it with one taken after.
 *
 * Failed attempts are allowed to leave a trace where a trace is the point (the sign-in log, a
 * failure row in the audit log, an Interaction row for a sign-in page shown): those are left out.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Database } from '../../../src/db/connect.js';
import type { RunningFoyer } from '../../support/start-foyer.js';

const DIRECTORY_TABLES: Record<string, string[]> = {
  users: ['id'],
  identities: ['id'],
  invitations: ['id'],
  groups: ['id'],
  group_members: ['group_id', 'user_id'],
  group_owners: ['group_id', 'user_id'],
  app_assignments: ['id'],
  mfa_totp: ['user_id'],
  mfa_recovery_codes: ['id'],
  terms_acceptances: ['user_id', 'terms_id', 'version'],
};

/** Every directory row, ordered, plus the audit log's successful events (what was done, not what was tried). */
export async function directoryRows(db: Database): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const [table, order] of Object.entries(DIRECTORY_TABLES)) {
    if (await db.schema.hasTable(table)) out[table] = await db(table).select('*').orderBy(order);
  }
  out.audit_success = await db('audit_log').where({ result: 'success' }).select('id', 'activity', 'target_id').orderBy('id');
  return out;
}

/** Live rows of oidc-provider's state by model (Session, Grant, AccessToken, RefreshToken, AuthorizationCode, …). */
export async function providerCounts(db: Database, models = ['Session', 'Grant', 'AccessToken', 'RefreshToken', 'AuthorizationCode', 'ClientCredentials']): Promise<Record<string, number>> {
  const now = Date.now();
  const rows = (await db('oidc_payloads')
    .whereIn('model', models)
    .andWhere((q) => q.whereNull('expires_at').orWhere('expires_at', '>', now))
    .select('model')
    .count({ n: '*' })
    .groupBy('model')) as { model: string; n: number | string }[];
  return Object.fromEntries(models.map((m) => [m, Number(rows.find((r) => r.model === m)?.n ?? 0)]));
}

/** How many messages Foyer has written to its outbox (tests without SMTP). */
export function outboxCount(foyer: RunningFoyer): number {
  const dir = join(foyer.dir, 'outbox');
  return existsSync(dir) ? readdirSync(dir).length : 0;
}

export interface WorldState {
  directory: Record<string, unknown[]>;
  provider: Record<string, number>;
  mails: number;
}

/** The whole snapshot at once. */
export async function worldState(foyer: RunningFoyer): Promise<WorldState> {
  return { directory: await directoryRows(foyer.foyer.db), provider: await providerCounts(foyer.foyer.db), mails: outboxCount(foyer) };
}
