import type { Knex } from 'knex';

/**
 * The guest table's "invited by" and "partner" filters served by indexes (issue 17/20), as
 * 20261207_17_guest_filter_columns did for state and IdP:
 * - users.invited_by_id: the inviter (user or app id) of the guest's first invitation, kept by
 *   InvitationsRepository.insert in the invitation's transaction; it replaces a per-guest probe of
 *   the invitations table;
 * - the partner filter matches the email's domain or the home IdP (both on the row already); it
 *   is run as one index range per domain and per IdP (guest-list-query.ts), so each needs an index
 *   (user_type, domain, sort, id); (user_type, home_idp, sort, id) exist.
 * No partner id is stored: partners come from config, which reloads live; domains do not change.
 * The expressions are written exactly as guest-list-query.ts writes them (SQLite matches text).
 */
const STATE = "(CASE WHEN NOT account_enabled THEN '3' WHEN external_user_state = 'Accepted' THEN '1' ELSE '2' END)";
const SORTS: [string, string][] = [
  ['name', 'lower(display_name)'],
  ['email', 'mail_normalized'],
  ['state', STATE],
  ['last_sign_in', "COALESCE(last_sign_in_at, '')"],
  ['invited', 'created_at'],
];

function indexes(pg: boolean): [string, string][] {
  const domain = pg ? "split_part(mail_normalized, '@', 2)" : "substr(mail_normalized, instr(mail_normalized, '@') + 1)";
  return [
    ...SORTS.map(([sort, expr]): [string, string] => [`users_guest_inviter_${sort}`, `user_type, invited_by_id, (${expr}), id`]),
    ...SORTS.map(([sort, expr]): [string, string] => [`users_guest_domain_${sort}`, `user_type, (${domain}), (${expr}), id`]),
  ];
}

const isPg = (knex: Knex) => knex.client.config.client === 'pg';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('users', (t) => t.string('invited_by_id').nullable());
  await knex.raw('UPDATE users SET invited_by_id = (SELECT i.invited_by_id FROM invitations i WHERE i.user_id = users.id ORDER BY i.created_at, i.id LIMIT 1)');
  for (const [name, columns] of indexes(isPg(knex))) await knex.raw(`CREATE INDEX ${name} ON users (${columns})`);
}

export async function down(knex: Knex): Promise<void> {
  for (const [name] of indexes(isPg(knex))) await knex.raw(`DROP INDEX IF EXISTS ${name}`);
  await knex.schema.alterTable('users', (t) => t.dropColumn('invited_by_id'));
}
