import type { Knex } from 'knex';

/**
 * IdP-initiated SAML sign-in (issue 19): an unsolicited Response answers no AuthnRequest, so
 * nothing but its assertion ID makes it single-use. Each accepted ID is inserted here until its
 * NotOnOrAfter; the primary key makes a second INSERT of the same ID fail on every node at once.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('saml_assertion_ids', (t) => {
    t.string('idp_id', 64).notNullable();
    t.string('assertion_id', 256).notNullable();
    t.bigInteger('expires_at').notNullable(); // epoch ms: the assertion's NotOnOrAfter
    t.primary(['idp_id', 'assertion_id']);
    t.index(['expires_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('saml_assertion_ids');
}
