import type { Knex } from 'knex';

/** oidc-provider's short-lived state (sessions, interactions, codes, tokens) for the SQL adapter. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('oidc_payloads', (t) => {
    t.string('model', 48).notNullable();
    t.string('id', 256).notNullable();
    t.text('payload').notNullable();
    t.string('grant_id', 256).nullable();
    t.string('user_code', 256).nullable();
    t.string('uid', 256).nullable();
    t.bigInteger('expires_at').nullable(); // epoch milliseconds
    t.bigInteger('consumed_at').nullable();
    t.primary(['model', 'id']);
    t.index(['grant_id']);
    t.index(['model', 'uid']);
    t.index(['model', 'user_code']);
    t.index(['expires_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('oidc_payloads');
}
