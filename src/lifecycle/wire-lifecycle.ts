/**
 * The guest lifecycle (src/lifecycle/): access that ends (assignment and guest expiry, with notices
 * and sponsors' one-click extension), run as deployment-wide sweeps under job leases, and the
 * inactive guests and never-redeemed invitations cleaned up, and the `/myapps/extend` page the sponsors' links open.
 */
import type Provider from 'oidc-provider';
import { purgeOldLogs } from '../audit/log-retention.js';
import type { Feature } from '../core/feature.js';
import type { SharedServices } from '../core/shared-services.js';
import type { DirectoryServices } from '../directory/directory-services.js';
import { extendRoutes } from './extend-routes.js';
import { ExpirySweep } from './expiry-sweep.js';
import { ExtensionLinks } from './extension-links.js';
import { InactivitySweep } from './inactivity-sweep.js';
import { LifecycleMail } from './lifecycle-mail.js';

export interface Lifecycle {
  feature: Feature;
  expiry: ExpirySweep;
}

export function wireLifecycle(shared: SharedServices, deps: { provider: Provider; directory: DirectoryServices }): Lifecycle {
  const { config, db, clock, audit, logger } = shared;
  const { directory } = deps;
  const settings = config.lifecycle;
  const mail = new LifecycleMail({ mailer: shared.mailer, renderer: shared.renderer, logger });
  const links = new ExtensionLinks({ db, clock, sponsors: directory.sponsors, audit, extendDays: settings.expiry.extendDays, linkValidDays: settings.expiry.linkValidDays });
  const expiry = new ExpirySweep({
    db,
    clock,
    settings: settings.expiry,
    apps: config.apps,
    audit,
    sponsors: directory.sponsors,
    links,
    assignments: directory.assignments,
    appAssignments: directory.appAssignments,
    lifecycle: directory.lifecycle,
    mail,
    issuer: config.issuer,
    tenantName: config.tenant.displayName,
    logger,
  });
  const inactivity = new InactivitySweep({ db, clock, settings, audit, sponsors: directory.sponsors, lifecycle: directory.lifecycle, mail, tenantName: config.tenant.displayName, logger });
  const everyMs = settings.jobIntervalMinutes * 60_000;
  return {
    expiry,
    feature: {
      routers: [extendRoutes({ provider: deps.provider, users: shared.users, issuer: config.issuer, secureCookies: shared.secureCookies, renderer: shared.renderer, links, apps: config.apps })],
      jobs: [
        { name: 'lifecycle: expiry', everyMs, acrossNodes: true, run: () => expiry.run() },
        { name: 'lifecycle: inactivity', everyMs, acrossNodes: true, run: () => inactivity.run() },
        { name: 'logs: retention purge', everyMs, acrossNodes: true, run: () => purgeOldLogs(db, clock, settings.retention) },
        { name: 'lifecycle: purge dead extension links', everyMs, acrossNodes: true, run: () => links.purgeDead() },
      ],
    },
  };
}
