import type { Knex } from 'knex';

/** Invitations: one row per ticket issued; the guest user row exists from the first invitation. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('invitations', (t) => {
    t.string('id', 36).primary();
    t.string('user_id', 36).notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.string('invited_email', 320).notNullable();
    t.string('invite_redirect_url', 2048).notNullable();
    // SHA-256 of a 256-bit random ticket: the ticket itself is never stored.
    t.string('ticket_hash', 64).nullable().unique();
    t.string('status', 24).notNullable(); // PendingAcceptance | Completed | Revoked | Superseded
    t.string('invited_user_type', 16).notNullable();
    t.string('invited_by_type', 16).notNullable(); // user | app | cli
    t.string('invited_by_id', 256).nullable();
    t.string('invited_by_name', 256).nullable();
    t.text('message_body').nullable();
    t.text('cc_recipients').notNullable().defaultTo('[]');
    t.string('message_language', 16).nullable();
    t.boolean('send_invitation_message').notNullable().defaultTo(false);
    t.integer('sent_count').notNullable().defaultTo(0);
    t.string('last_sent_at', 32).nullable();
    t.string('expires_at', 32).notNullable();
    t.string('created_at', 32).notNullable();
    t.string('redeemed_at', 32).nullable();
    t.string('revoked_at', 32).nullable();
    t.index(['user_id']);
    t.index(['status']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('invitations');
}
