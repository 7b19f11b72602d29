import type { Knex } from 'knex';

/**
 * The admin console's guest table at 100,000 guests (src/console/guests/guest-list-query.ts):
 * one index per sort, (user_type, sort expression, id), so that a page is an index range scan
 * whatever the sort and keyset paging never sorts; one per filter's subquery; and the audit
 * lookups of the guest detail page. The expressions are written exactly as the query writes them
 * (SQLite matches an expression index only on identical text).
 */
const SORT_INDEXES: [string, string][] = [
  ['users_guest_sort_name', 'lower(display_name)'],
  ['users_guest_sort_email', 'mail_normalized'],
  ['users_guest_sort_state', "(CASE WHEN NOT account_enabled THEN '3' WHEN external_user_state = 'Accepted' THEN '1' ELSE '2' END)"],
  ['users_guest_sort_last_sign_in', "COALESCE(last_sign_in_at, '')"],
  ['users_guest_sort_invited', 'created_at'],
];

export async function up(knex: Knex): Promise<void> {
  const pg = knex.client.config.client === 'pg';
  for (const [name, expr] of SORT_INDEXES) await knex.raw(`CREATE INDEX ${name} ON users (user_type, (${expr}), id)`);
  const domain = pg ? "split_part(mail_normalized, '@', 2)" : "substr(mail_normalized, instr(mail_normalized, '@') + 1)";
  await knex.raw(`CREATE INDEX users_guest_domain ON users (user_type, (${domain}))`);
  if (pg) {
    // Prefix search (LIKE 'text%') on PostgreSQL needs pattern-ops indexes whatever the collation.
    await knex.raw('CREATE INDEX users_name_prefix ON users ((lower(display_name)) text_pattern_ops)');
    await knex.raw('CREATE INDEX users_mail_prefix ON users (mail_normalized text_pattern_ops)');
    await knex.raw(`CREATE INDEX users_domain_prefix ON users ((${domain}) text_pattern_ops)`);
  }
  await knex.schema.alterTable('users', (t) => t.index(['user_type', 'external_user_state', 'account_enabled'], 'users_guest_state'));
  await knex.schema.alterTable('identities', (t) => t.index(['user_id', 'idp_id'], 'identities_user_idp'));
  await knex.schema.alterTable('user_sponsors', (t) => t.index(['sponsor_id', 'user_id'], 'user_sponsors_sponsor_user'));
  await knex.schema.alterTable('invitations', (t) => {
    t.index(['user_id', 'invited_by_id'], 'invitations_user_inviter');
    t.index(['user_id', 'status', 'expires_at'], 'invitations_user_open');
  });
  await knex.schema.alterTable('audit_log', (t) => {
    t.index(['actor_id', 'activity_at'], 'audit_log_actor_time');
    t.index(['correlation_id'], 'audit_log_correlation');
  });
  await knex.schema.alterTable('sign_ins', (t) => t.index(['user_id', 'created_at'], 'sign_ins_user_time'));
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('sign_ins', (t) => t.dropIndex(['user_id', 'created_at'], 'sign_ins_user_time'));
  await knex.schema.alterTable('audit_log', (t) => {
    t.dropIndex(['actor_id', 'activity_at'], 'audit_log_actor_time');
    t.dropIndex(['correlation_id'], 'audit_log_correlation');
  });
  await knex.schema.alterTable('invitations', (t) => {
    t.dropIndex(['user_id', 'invited_by_id'], 'invitations_user_inviter');
    t.dropIndex(['user_id', 'status', 'expires_at'], 'invitations_user_open');
  });
  await knex.schema.alterTable('user_sponsors', (t) => t.dropIndex(['sponsor_id', 'user_id'], 'user_sponsors_sponsor_user'));
  await knex.schema.alterTable('identities', (t) => t.dropIndex(['user_id', 'idp_id'], 'identities_user_idp'));
  await knex.schema.alterTable('users', (t) => t.dropIndex(['user_type', 'external_user_state', 'account_enabled'], 'users_guest_state'));
  for (const name of [...SORT_INDEXES.map(([n]) => n), 'users_guest_domain', 'users_name_prefix', 'users_mail_prefix', 'users_domain_prefix']) await knex.raw(`DROP INDEX IF EXISTS ${name}`);
}
