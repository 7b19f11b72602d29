import type { Knex } from 'knex';

/**
 * Passkeys (WebAuthn credentials), several per user: the public key, the signature counter (a
 * counter that goes backwards is refused: a cloned authenticator), whether the credential may be
 * and is backed up (synced passkeys), and a name the user chose.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('passkeys', (t) => {
    t.string('id', 36).primary();
    t.string('user_id', 36).notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.string('credential_id', 1400).notNullable().unique(); // base64url of the raw id (at most 1023 bytes)
    t.text('public_key').notNullable(); // base64url of the COSE key
    t.bigInteger('sign_count').notNullable().defaultTo(0);
    t.text('transports').notNullable().defaultTo('[]'); // JSON
    t.string('device_type', 16).notNullable(); // singleDevice | multiDevice (backup eligible)
    t.boolean('backed_up').notNullable().defaultTo(false);
    t.string('name', 64).notNullable();
    t.string('created_at', 32).notNullable();
    t.string('last_used_at', 32).nullable();
    t.index(['user_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('passkeys');
}
