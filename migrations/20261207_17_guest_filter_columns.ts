import type { Knex } from 'knex';

/**
 * The guest table's state and IdP filters served by indexes (issue 17/20). Two facts that used to
 * be probed per guest at query time are kept on the user row, written in the same transaction as
 * the change (InvitationsRepository, IdentitiesRepository):
 * - open_invitation_expires_at: the latest expiry of the guest's pending invitations (null: none),
 *   so pending / expired / no open invitation are a comparison on the row;
 * - home_idp: the IdP of the guest's first linked identity (the one they redeemed with).
 * Then one index per (filter, sort): (user_type, state expression | home_idp, sort expression, id),
 * so a filtered page is an index range scan that stops after one page, and the capped count after
 * 1,001 entries. The expressions are written exactly as guest-list-query.ts writes them.
 */
const STATE = "(CASE WHEN NOT account_enabled THEN '3' WHEN external_user_state = 'Accepted' THEN '1' ELSE '2' END)";
const SORTS: [string, string][] = [
  ['name', 'lower(display_name)'],
  ['email', 'mail_normalized'],
  ['last_sign_in', "COALESCE(last_sign_in_at, '')"],
  ['invited', 'created_at'],
];

export const FILTER_INDEXES: [string, string][] = [
  ...SORTS.map(([sort, expr]): [string, string] => [`users_guest_state_${sort}`, `user_type, (${STATE}), (${expr}), id`]),
  ...SORTS.map(([sort, expr]): [string, string] => [`users_guest_idp_${sort}`, `user_type, home_idp, (${expr}), id`]),
  ['users_guest_idp_state', `user_type, home_idp, (${STATE}), id`],
];

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('users', (t) => {
    t.string('open_invitation_expires_at', 32).nullable();
    t.string('home_idp', 64).nullable();
  });
  await knex.raw("UPDATE users SET open_invitation_expires_at = (SELECT max(i.expires_at) FROM invitations i WHERE i.user_id = users.id AND i.status = 'PendingAcceptance')");
  await knex.raw('UPDATE users SET home_idp = (SELECT i.idp_id FROM identities i WHERE i.user_id = users.id ORDER BY i.created_at, i.id LIMIT 1)');
  for (const [name, columns] of FILTER_INDEXES) await knex.raw(`CREATE INDEX ${name} ON users (${columns})`);
}

export async function down(knex: Knex): Promise<void> {
  for (const [name] of FILTER_INDEXES) await knex.raw(`DROP INDEX IF EXISTS ${name}`);
  await knex.schema.alterTable('users', (t) => {
    t.dropColumn('open_invitation_expires_at');
    t.dropColumn('home_idp');
  });
}
