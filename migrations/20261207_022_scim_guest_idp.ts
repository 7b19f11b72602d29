import type { Knex } from 'knex';

/**
 * Which partner's SCIM client provisioned a guest (cross-tenant synchronization). Such a guest has no
 * invitation: its first sign-in through that partner's own IdP, with the provisioned address proven,
 * links that IdP's (issuer, subject) to it once (src/interaction/link-identity.ts).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('users', (t) => {
    t.string('provisioned_by_partner', 64).nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('users', (t) => {
    t.dropColumn('provisioned_by_partner');
  });
}
