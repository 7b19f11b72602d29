import type { Knex } from 'knex';

/** When a guest's sponsors were last told that the guest will be disabled for inactivity. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('users', (t) => {
    t.string('inactivity_notified_at', 32).nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('users', (t) => {
    t.dropColumn('inactivity_notified_at');
  });
}
