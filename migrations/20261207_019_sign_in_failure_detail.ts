import type { Knex } from 'knex';

/**
 * The underlying reason of a failed upstream sign-in (the library's error, the upstream's own
 * error_description, a configuration hint), for admins: the sign-in log's errorCode alone
 * (`invalid_response`) does not say what to fix. Never shown to the browser.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('sign_ins', (t) => {
    t.text('failure_detail').nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('sign_ins', (t) => {
    t.dropColumn('failure_detail');
  });
}
