import type { Knex } from 'knex';

/**
 * When the sessions of a guest an access review removed were ended. A removal commits first and
 * sessions end after it (the provider's state may live in Redis); a node killed in between leaves
 * the row applied with this still null, and the next run ends the sessions it owes.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('access_review_decisions', (t) => {
    t.string('sessions_ended_at', 32).nullable();
  });
  // Decisions applied before this column existed are done.
  await knex('access_review_decisions').whereNotNull('applied_at').update({ sessions_ended_at: knex.ref('applied_at') });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('access_review_decisions', (t) => {
    t.dropColumn('sessions_ended_at');
  });
}
