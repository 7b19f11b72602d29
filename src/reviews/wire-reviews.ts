/**
 * Access reviews (src/reviews/): the configured `accessReviews` started and applied by one
 * deployment-wide job, the reviewer mails, and the `/myapps/reviews/<id>` page reviewers decide on.
 */
import type Provider from 'oidc-provider';
import type { Feature } from '../core/feature.js';
import type { SharedServices } from '../core/shared-services.js';
import type { DirectoryServices } from '../directory/directory-services.js';
import type { User } from '../directory/user-model.js';
import { LifecycleMail } from '../lifecycle/lifecycle-mail.js';
import { ReviewDecisions } from './review-decisions.js';
import { reviewRoutes } from './review-routes.js';
import { ReviewRunner } from './review-runner.js';

export function wireReviews(shared: SharedServices, deps: { provider: Provider; directory: DirectoryServices; homeTenants?: (user: User) => Promise<string[]> }): Feature {
  const { config, db, clock, audit, logger, users } = shared;
  const homeTenants = deps.homeTenants;
  const runner = new ReviewRunner({
    db,
    clock,
    reviews: config.accessReviews,
    apps: config.apps,
    audit,
    lifecycle: deps.directory.lifecycle,
    sessions: deps.directory.sessions,
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
