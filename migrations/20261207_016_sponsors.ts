import type { Knex } from 'knex';

/** Graph's user.sponsors: the people at the host who answer for a guest (asked about expiry and reviews). */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('user_sponsors', (t) => {
    t.string('user_id', 36).notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.string('sponsor_id', 36).notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.string('created_at', 32).notNullable();
    t.primary(['user_id', 'sponsor_id']);
    t.index(['sponsor_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('user_sponsors');
}
