import type { Knex } from 'knex';

/**
 * Conditional access and MFA: TOTP factors (secrets sealed with AES-256-GCM), hashed single-use
 * recovery codes, terms-of-use acceptances per version, and the sign-in log.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('mfa_totp', (t) => {
    t.string('user_id', 36).primary().references('id').inTable('users').onDelete('CASCADE');
    t.text('secret_sealed').notNullable(); // never the secret itself (src/mfa/secret-box.ts)
    t.string('confirmed_at', 32).nullable(); // null while enrolment waits for the first code
    t.bigInteger('last_used_step').nullable(); // replay protection: a step at or below this is refused
    t.string('created_at', 32).notNullable();
    t.string('updated_at', 32).notNullable();
  });

  await knex.schema.createTable('mfa_recovery_codes', (t) => {
    t.string('id', 36).primary();
    t.string('user_id', 36).notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.string('code_hash', 64).notNullable(); // HMAC-SHA256, keyed from the MFA key
    t.string('used_at', 32).nullable();
    t.string('created_at', 32).notNullable();
    t.unique(['user_id', 'code_hash']);
  });

  await knex.schema.createTable('terms_acceptances', (t) => {
    t.string('user_id', 36).notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.string('terms_id', 64).notNullable();
    t.string('version', 64).notNullable();
    t.string('accepted_at', 32).notNullable();
    t.primary(['user_id', 'terms_id', 'version']);
  });

  // No foreign key to users: the log outlives the accounts it mentions.
  await knex.schema.createTable('sign_ins', (t) => {
    t.string('id', 36).primary();
    t.string('created_at', 32).notNullable();
    t.string('user_id', 36).nullable();
    t.string('user_principal_name', 320).nullable();
    t.string('user_display_name', 256).nullable();
    t.string('user_type', 16).nullable();
    t.string('app_id', 64).nullable();
    t.string('app_display_name', 256).nullable();
    t.string('identity_provider', 64).nullable();
    t.string('ip_address', 64).nullable();
    t.string('correlation_id', 64).nullable();
    t.boolean('is_interactive').notNullable().defaultTo(true);
    t.string('result', 16).notNullable(); // success | failure | interrupted
    t.string('error_code', 64).nullable();
    t.string('failure_reason', 512).nullable();
    t.string('conditional_access_status', 16).notNullable().defaultTo('notApplied');
    t.text('applied_policies').notNullable().defaultTo('[]'); // JSON
    t.string('authentication_requirement', 32).notNullable().defaultTo('singleFactorAuthentication');
    t.string('mfa_method', 32).nullable();
    t.text('amr').nullable(); // JSON
    t.index(['created_at']);
    t.index(['user_id']);
    t.index(['app_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['sign_ins', 'terms_acceptances', 'mfa_recovery_codes', 'mfa_totp']) {
    await knex.schema.dropTableIfExists(table);
  }
}
