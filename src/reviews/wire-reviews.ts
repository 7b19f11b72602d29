/**
 * Access reviews (src/reviews/): the configured `accessReviews` started and applied by one
 * deployment-wide job, the reviewer mails, and the `/myapps/reviews/<id>` page reviewers decide on.
 */
import type Provider from 'oidc-provider';
import { ConfigError } from '../config/load-config.js';
import type { Feature } from '../core/feature.js';
import type { SharedServices } from '../core/shared-services.js';
import type { DirectoryServices } from '../directory/directory-services.js';
import type { User } from '../directory/user-model.js';
import { LifecycleMail } from '../lifecycle/lifecycle-mail.js';
import { ReviewDecisions } from './review-decisions.js';
import { reviewRoutes } from './review-routes.js';
import { ReviewRunner } from './review-runner.js';

export async function wireReviews(shared: SharedServices, deps: { provider: Provider; directory: DirectoryServices; homeTenants?: (user: User) => Promise<string[]> }): Promise<Feature> {
  const { config, db, clock, audit, logger, users } = shared;
  // Groups live in the directory, not in config: a review of a group that does not exist refuses the start.
  const problems: string[] = [];
  for (const [i, review] of config.accessReviews.entries()) {
    const scope = review.scope;
    if (typeof scope === 'object' && 'group' in scope && !(await db('groups').where({ id: scope.group }).first())) problems.push(`accessReviews[${i}].scope.group: unknown group "${scope.group}" (not in the directory; use the group's id)`);
  }
  if (problems.length) throw new ConfigError(problems);
  const homeTenants = deps.homeTenants;
  const runner = new ReviewRunner({
    db,
    clock,
    reviews: config.accessReviews,
    apps: config.apps,
    audit,
    assignments: deps.directory.assignments,
    appAssignments: deps.directory.appAssignments,
    lifecycle: deps.directory.lifecycle,
    mail: new LifecycleMail({ mailer: shared.mailer, renderer: shared.renderer, logger }),
    issuer: config.issuer,
    tenantName: config.tenant.displayName,
    logger,
    homeTenants: homeTenants
      ? async (id) => {
          const user = await users.findById(id);
          return user ? homeTenants(user) : [];
        }
      : undefined,
  });
  const decisions = new ReviewDecisions({ db, clock, audit, reviews: config.accessReviews });
  return {
    routers: [reviewRoutes({ provider: deps.provider, users, issuer: config.issuer, secureCookies: shared.secureCookies, renderer: shared.renderer, decisions })],
    jobs: config.accessReviews.length ? [{ name: 'lifecycle: access reviews', everyMs: config.lifecycle.jobIntervalMinutes * 60_000, acrossNodes: true, run: () => runner.run() }] : [],
  };
}
