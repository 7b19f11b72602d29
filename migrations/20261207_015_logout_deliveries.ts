import type { Knex } from 'knex';

/**
 * Back-channel logout deliveries to apps (src/logout/): one row per app session a sign-out ended,
 * retried with backoff while the app is down, marked `delivered_at` once it answered 200/204 (and
 * purged a day later), or `given_up_at` when the retries ran out (kept for operators to see).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('logout_deliveries', (t) => {
    t.string('id', 36).primary();
    t.string('client_id', 64).notNullable();
    t.string('account_id', 36).notNullable(); // no foreign key: a deleted user's apps are still told
    t.string('sid', 128).nullable();
    t.string('reason', 32).notNullable(); // signOut | disabled | deleted | leftOrganization | sessionsRevoked
    t.integer('attempts').notNullable().defaultTo(0);
    t.string('next_attempt_at', 32).notNullable();
    t.string('last_error', 512).nullable();
    t.string('created_at', 32).notNullable();
    t.string('given_up_at', 32).nullable();
    t.string('delivered_at', 32).nullable(); // kept a day, so operators can see what went out
    t.index(['delivered_at', 'given_up_at', 'next_attempt_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('logout_deliveries');
}
