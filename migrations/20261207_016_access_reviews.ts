import type { Knex } from 'knex';

/**
 * Access reviews (Graph accessReviewInstance and accessReviewInstanceDecisionItem): one instance per
 * run of a configured review, one decision row per guest reviewed, and who may decide on whom.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('access_review_instances', (t) => {
    t.string('id', 36).primary();
    t.string('definition_id', 64).notNullable(); // accessReviews[].id in config
    t.string('starts_at', 32).notNullable();
    t.string('ends_at', 32).notNullable();
    t.string('status', 16).notNullable(); // InProgress | Completed
    t.unique(['definition_id', 'starts_at']);
    t.index(['status', 'ends_at']);
  });
  await knex.schema.createTable('access_review_decisions', (t) => {
    t.string('id', 36).primary();
    t.string('instance_id', 36).notNullable().references('id').inTable('access_review_instances').onDelete('CASCADE');
    t.string('principal_id', 36).notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.string('app_id', 64).nullable(); // app scope: the assignment under review
    t.string('recommendation', 16).notNullable(); // Approve | Deny
    t.string('decision', 16).nullable(); // Approve | Deny, null until a reviewer answers
    t.string('reviewed_by', 36).nullable();
    t.string('reviewed_at', 32).nullable();
    t.string('applied_result', 16).nullable(); // kept | removed
    t.string('applied_at', 32).nullable();
    t.unique(['instance_id', 'principal_id']);
  });
  await knex.schema.createTable('access_review_reviewers', (t) => {
    t.string('instance_id', 36).notNullable().references('id').inTable('access_review_instances').onDelete('CASCADE');
    t.string('reviewer_id', 36).notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.string('principal_id', 36).notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.primary(['instance_id', 'reviewer_id', 'principal_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('access_review_reviewers');
  await knex.schema.dropTableIfExists('access_review_decisions');
  await knex.schema.dropTableIfExists('access_review_instances');
}
