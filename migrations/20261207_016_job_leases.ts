import type { Knex } from 'knex';

/**
 * Jobs that run once across every node (src/core/job-leases.ts): one row per job, saying when it is
 * next due and which node holds it until when. A node claims a job with one conditional UPDATE, so
 * two nodes never hold it at once; a node that dies leaves a lease that simply runs out.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('job_leases', (t) => {
    t.string('name', 64).primary();
    t.string('next_run_at', 32).notNullable();
    t.string('leased_by', 128).nullable();
    t.string('leased_until', 32).nullable();
    t.string('last_started_at', 32).nullable();
    t.string('last_finished_at', 32).nullable();
    t.string('last_error', 512).nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('job_leases');
}
