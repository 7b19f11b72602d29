import type { Knex } from 'knex';

/**
 * Access that ends: an app assignment's `expirationDateTime`, a guest's access end set at
 * invitation, when each one's sponsors were told, and the one-click extension links sent to them
 * (only a hash of each link's token is stored).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('app_assignments', (t) => {
    t.string('expires_at', 32).nullable();
    t.string('expiry_notified_at', 32).nullable();
    t.index(['expires_at']);
  });
  await knex.schema.alterTable('users', (t) => {
    t.string('access_expires_at', 32).nullable();
    t.string('expiry_notified_at', 32).nullable();
    t.index(['access_expires_at']);
  });
  await knex.schema.createTable('extension_links', (t) => {
    t.string('id', 36).primary();
    t.string('token_hash', 64).notNullable().unique();
    t.string('kind', 16).notNullable(); // assignment | user
    t.string('target_id', 36).notNullable(); // the assignment's or the user's id
    t.string('sponsor_id', 36).notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.string('expires_at', 32).notNullable(); // the end the link was sent about: a link for an older end is dead
    t.string('created_at', 32).notNullable();
    t.string('used_at', 32).nullable();
    t.index(['target_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('extension_links');
  await knex.schema.alterTable('users', (t) => {
    t.dropIndex(['access_expires_at']);
    t.dropColumn('access_expires_at');
    t.dropColumn('expiry_notified_at');
  });
  await knex.schema.alterTable('app_assignments', (t) => {
    t.dropIndex(['expires_at']);
    t.dropColumn('expires_at');
    t.dropColumn('expiry_notified_at');
  });
}
