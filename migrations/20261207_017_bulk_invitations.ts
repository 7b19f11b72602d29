import type { Knex } from 'knex';

/**
 * Bulk invitations (issue 17): one row per uploaded file (who uploaded it, whether it was confirmed)
 * and one per CSV row (its validation, then its outcome). Each row is claimed by one node at a time
 * with a conditional UPDATE (claimed_by, claimed_until), and marked invited inside the invitation's
 * own transaction, so two nodes never invite the same row twice.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('bulk_invitation_jobs', (t) => {
    t.string('id', 36).primary();
    t.string('created_by', 36).notNullable().index();
    t.string('created_by_name', 256).notNullable();
    t.string('file_name', 256).nullable();
    /** validated (waiting for the admin's confirmation), confirmed (rows being processed), done, cancelled */
    t.string('status', 16).notNullable();
    t.integer('total_rows').notNullable();
    t.integer('valid_rows').notNullable();
    t.string('created_at', 32).notNullable();
    t.string('confirmed_at', 32).nullable();
    t.string('finished_at', 32).nullable();
  });
  await knex.schema.createTable('bulk_invitation_rows', (t) => {
    t.string('job_id', 36).notNullable().references('id').inTable('bulk_invitation_jobs').onDelete('CASCADE');
    /** The row's line in the file (1 is the header), as the admin's spreadsheet numbers it. */
    t.integer('line').notNullable();
    t.string('email', 320).notNullable();
    t.string('display_name', 256).nullable();
    t.string('redirect_url', 2048).nullable();
    t.boolean('send_mail').notNullable();
    t.text('message').nullable();
    /** invalid (never sent), pending, invited, failed */
    t.string('status', 16).notNullable();
    t.string('error_code', 64).nullable();
    t.string('error_message', 512).nullable();
    t.string('invitation_id', 36).nullable();
    t.string('user_id', 36).nullable();
    t.string('claimed_by', 128).nullable();
    t.string('claimed_until', 32).nullable();
    t.primary(['job_id', 'line']);
    t.index(['status', 'job_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('bulk_invitation_rows');
  await knex.schema.dropTableIfExists('bulk_invitation_jobs');
}
