import type { Knex } from 'knex';

/**
 * App roles and claims (issue 15): an assignment names the app role it grants (Graph's appRoleId;
 * the default access role for every assignment made before), so one principal may hold several
 * roles of one app; and the claims a guest's IdP asserted that apps' optional claims pass on, kept
 * per IdP from the last sign-in with it (token refresh and single sign-on need them too).
 */
const DEFAULT_APP_ROLE_ID = '00000000-0000-0000-0000-000000000000';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('app_assignments', (t) => {
    t.string('app_role_id', 36).notNullable().defaultTo(DEFAULT_APP_ROLE_ID);
  });
  await knex.schema.alterTable('app_assignments', (t) => {
    t.dropUnique(['app_id', 'principal_type', 'principal_id']);
    t.unique(['app_id', 'principal_type', 'principal_id', 'app_role_id']);
    // The token path reads one app's assignments for one user and their groups.
    t.index(['app_id', 'principal_id']);
  });
  await knex.schema.createTable('upstream_claims', (t) => {
    t.string('user_id', 36).notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.string('idp_id', 64).notNullable();
    t.text('claims').notNullable(); // JSON: upstream claim name → values, only the names optional claims read
    t.string('asserted_at', 32).notNullable();
    t.primary(['user_id', 'idp_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('upstream_claims');
  // Role assignments other than default access cannot be kept under the old key.
  await knex('app_assignments').whereNot({ app_role_id: DEFAULT_APP_ROLE_ID }).delete();
  await knex.schema.alterTable('app_assignments', (t) => {
    t.dropIndex(['app_id', 'principal_id']);
    t.dropUnique(['app_id', 'principal_type', 'principal_id', 'app_role_id']);
    t.unique(['app_id', 'principal_type', 'principal_id']);
  });
  await knex.schema.alterTable('app_assignments', (t) => {
    t.dropColumn('app_role_id');
  });
}
