import type { Knex } from 'knex';

/**
 * Issue 20: the Graph lists at 100,000 users are keyset-paged (src/api/skiptoken.ts), each in one
 * order: /users oldest first (created_at, id), /invitations and /auditLogs/signIns newest first
 * (created_at desc, id desc). Each supported `$filter` gets an index (filter columns, created_at,
 * id), so a page is one index range read that stops after $top + 1 rows, at any depth, with or
 * without a createdDateTime range. The sign-in log's single-column indexes on created_at, app_id
 * and user_id are superseded by the composite ones and dropped (one index less per sign-in write).
 */
const INDEXES: [table: string, name: string, columns: string][] = [
  ['users', 'users_created', 'created_at, id'],
  ['users', 'users_type_created', 'user_type, created_at, id'],
  ['users', 'users_state_created', 'external_user_state, created_at, id'],
  ['users', 'users_type_state_created', 'user_type, external_user_state, created_at, id'],
  ['invitations', 'invitations_created', 'created_at, id'],
  ['invitations', 'invitations_status_created', 'status, created_at, id'],
  ['invitations', 'invitations_inviter_created', 'invited_by_id, created_at, id'],
  ['invitations', 'invitations_inviter_status_created', 'invited_by_id, status, created_at, id'],
  ['sign_ins', 'sign_ins_created', 'created_at, id'],
  ['sign_ins', 'sign_ins_user_created', 'user_id, created_at, id'],
  // Written exactly as SignInLog.list compares it: SQLite matches an expression index on identical text.
  ['sign_ins', 'sign_ins_upn_created', '(lower(user_principal_name)), created_at, id'],
  ['sign_ins', 'sign_ins_app_created', 'app_id, created_at, id'],
  ['sign_ins', 'sign_ins_idp_created', 'identity_provider, created_at, id'],
  ['sign_ins', 'sign_ins_result_created', 'result, created_at, id'],
  ['sign_ins', 'sign_ins_error_created', 'error_code, created_at, id'],
  ['sign_ins', 'sign_ins_ca_created', 'conditional_access_status, created_at, id'],
  ['sign_ins', 'sign_ins_home_tenant_created', 'home_tenant_id, created_at, id'],
];

/** Superseded by the composite indexes above: [name, table, column(s)] to put back on the way down. */
const SUPERSEDED: [name: string, table: string, columns: string][] = [
  ['sign_ins_created_at_index', 'sign_ins', 'created_at'],
  ['sign_ins_app_id_index', 'sign_ins', 'app_id'],
  ['sign_ins_user_id_index', 'sign_ins', 'user_id'],
  ['sign_ins_user_time', 'sign_ins', 'user_id, created_at'],
];

export async function up(knex: Knex): Promise<void> {
  for (const [table, name, columns] of INDEXES) await knex.raw(`CREATE INDEX ${name} ON ${table} (${columns})`);
  for (const [name] of SUPERSEDED) await knex.raw(`DROP INDEX IF EXISTS ${name}`);
}

export async function down(knex: Knex): Promise<void> {
  for (const [name, table, columns] of SUPERSEDED) await knex.raw(`CREATE INDEX IF NOT EXISTS ${name} ON ${table} (${columns})`);
  for (const [, name] of INDEXES) await knex.raw(`DROP INDEX IF EXISTS ${name}`);
}
