import type { Knex } from 'knex';

/**
 * Password reset links for members with a local password: one row per link mailed, holding only
 * the SHA-256 of its 256-bit token. A link is single use (`used_at`), expires (`expires_at`), and
 * every open link of a user is closed when one of them is used.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('password_reset_tickets', (t) => {
    t.string('id', 36).primary();
    t.string('user_id', 36).notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.string('token_hash', 64).notNullable().unique();
    t.string('created_at', 32).notNullable();
    t.string('expires_at', 32).notNullable();
    t.string('used_at', 32).nullable();
    t.string('requested_by', 16).notNullable(); // self | cli
    t.index(['user_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('password_reset_tickets');
}
