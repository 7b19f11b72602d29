import type { Knex } from 'knex';

/**
 * SCIM provisioning: which client provisioned which user or group (a client sees and changes only
 * its own), the client's externalId for it, and when SCIM last changed it (meta.lastModified).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('scim_resources', (t) => {
    t.string('resource_type', 8).notNullable(); // User | Group
    t.string('resource_id', 36).notNullable();
    t.string('client_id', 64).notNullable();
    t.string('external_id', 256).nullable();
    t.string('created_at', 32).notNullable();
    t.string('updated_at', 32).notNullable();
    t.primary(['resource_type', 'resource_id']);
    t.unique(['client_id', 'resource_type', 'external_id']);
    t.index(['client_id', 'resource_type']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('scim_resources');
}
