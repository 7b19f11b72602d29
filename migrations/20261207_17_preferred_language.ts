import type { Knex } from 'knex';

/**
 * Graph's user.preferredLanguage (issue 17, Languages): the language a person's mails speak (a
 * sponsor's expiry and inactivity notices, a reviewer's request, a guest's expiry notice). A BCP 47
 * tag, null until an admin sets it, a guest redeems an invitation that has a messageLanguage, or the
 * person signs in through pages that spoke a language they chose (ui_locales, Accept-Language).
 * 35 characters: the longest tag RFC 5646 asks implementations to accept.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('users', (t) => {
    t.string('preferred_language', 35).nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('users', (t) => {
    t.dropColumn('preferred_language');
  });
}
