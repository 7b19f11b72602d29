import type { Knex } from 'knex';

/** The directory: users (members and guests), their upstream identities, groups, app assignments, keys, audit. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('users', (t) => {
    t.string('id', 36).primary();
    t.string('user_type', 16).notNullable(); // Member | Guest
    t.string('mail', 320).notNullable();
    t.string('mail_normalized', 320).notNullable().unique();
    t.string('display_name', 256).notNullable();
    t.boolean('account_enabled').notNullable().defaultTo(true);
    t.string('external_user_state', 32).nullable(); // PendingAcceptance | Accepted (guests only)
    t.string('external_user_state_changed_at', 32).nullable();
    t.string('password_hash', 256).nullable(); // members only; guests never get a password
    t.text('roles').notNullable().defaultTo('[]'); // JSON array: admin, guestInviter
    t.string('created_by', 36).nullable();
    t.string('created_at', 32).notNullable();
    t.string('updated_at', 32).notNullable();
    t.string('last_sign_in_at', 32).nullable();
    t.index(['user_type']);
    t.index(['external_user_state']);
  });

  await knex.schema.createTable('identities', (t) => {
    t.string('id', 36).primary();
    t.string('user_id', 36).notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.string('idp_id', 64).notNullable(); // the identity provider's id in config
    t.string('issuer', 512).notNullable();
    t.string('subject', 512).notNullable();
    t.string('email', 320).nullable();
    t.string('created_at', 32).notNullable();
    t.string('last_used_at', 32).nullable();
    t.unique(['issuer', 'subject']);
    t.index(['user_id']);
  });

  await knex.schema.createTable('groups', (t) => {
    t.string('id', 36).primary();
    t.string('display_name', 256).notNullable();
    t.string('description', 1024).nullable();
    t.string('created_at', 32).notNullable();
  });

  for (const table of ['group_members', 'group_owners']) {
    await knex.schema.createTable(table, (t) => {
      t.string('group_id', 36).notNullable().references('id').inTable('groups').onDelete('CASCADE');
      t.string('user_id', 36).notNullable().references('id').inTable('users').onDelete('CASCADE');
      t.string('created_at', 32).notNullable();
      t.primary(['group_id', 'user_id']);
      t.index(['user_id']);
    });
  }

  await knex.schema.createTable('app_assignments', (t) => {
    t.string('id', 36).primary();
    t.string('app_id', 64).notNullable(); // apps live in config
    t.string('principal_type', 16).notNullable(); // User | Group
    t.string('principal_id', 36).notNullable();
    t.string('created_at', 32).notNullable();
    t.unique(['app_id', 'principal_type', 'principal_id']);
    t.index(['principal_id']);
  });

  await knex.schema.createTable('signing_keys', (t) => {
    t.string('kid', 64).primary();
    t.string('purpose', 16).notNullable(); // token | cookie
    t.string('alg', 16).notNullable();
    t.text('private_jwk').notNullable();
    t.string('created_at', 32).notNullable();
    t.string('retired_at', 32).nullable(); // no longer signs; still published until expires_at
    t.string('expires_at', 32).nullable(); // dropped from JWKS after this
  });

  await knex.schema.createTable('audit_log', (t) => {
    t.string('id', 36).primary();
    t.string('activity_at', 32).notNullable();
    t.string('category', 32).notNullable(); // UserManagement | GroupManagement | Invitation | KeyManagement | ...
    t.string('activity', 64).notNullable();
    t.string('result', 16).notNullable(); // success | failure
    t.string('result_reason', 512).nullable();
    t.string('actor_type', 16).notNullable(); // user | app | system | cli
    t.string('actor_id', 256).nullable();
    t.string('target_type', 32).nullable();
    t.string('target_id', 256).nullable();
    t.text('details').nullable(); // JSON, never secrets
    t.string('correlation_id', 64).nullable();
    t.index(['activity_at']);
    t.index(['target_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['audit_log', 'signing_keys', 'app_assignments', 'group_owners', 'group_members', 'groups', 'identities', 'users']) {
    await knex.schema.dropTableIfExists(table);
  }
}
