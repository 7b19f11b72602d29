import type { Knex } from 'knex';

/**
 * Partner organisations: the sign-in log names the guest's home organisation (Graph's
 * homeTenantId/homeTenantName: a partner id, or null), and the claims a partner's IdP asserted that
 * its rules read (a group that admits its people), kept from the last sign-in with that IdP so that
 * single sign-on and token refresh can apply them too.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('sign_ins', (t) => {
    t.string('home_tenant_id', 64).nullable();
    t.string('home_tenant_name', 256).nullable();
    t.index(['home_tenant_id']);
  });
  await knex.schema.createTable('partner_assertions', (t) => {
    t.string('user_id', 36).notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.string('idp_id', 64).notNullable();
    t.text('claims').notNullable(); // JSON: claim → values, only the claims partner rules name
    t.string('asserted_at', 32).notNullable();
    t.primary(['user_id', 'idp_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('partner_assertions');
  await knex.schema.alterTable('sign_ins', (t) => {
    t.dropIndex(['home_tenant_id']);
    t.dropColumn('home_tenant_id');
    t.dropColumn('home_tenant_name');
  });
}
