/**
 * SCIM 2.0 provisioning (src/scim/, RFC 7643/7644) at `/scim/v2`: the configured clients
 * (`scim.clients`, bearer tokens stored as hashes) create, update, deactivate and delete users and
 * groups. A `members` client is the host's HR or IdP; a `guests` client is a partner pushing its
 * own people in as guests, only at its partner's domains. Each client sees only what it created.
 */
import type { Feature } from '../core/feature.js';
import type { SharedServices } from '../core/shared-services.js';
import type { DirectoryServices } from '../directory/directory-services.js';
import { scimAuthenticator } from './scim-auth.js';
import { ScimGroups } from './scim-groups.js';
import { ScimResourcesRepository } from './scim-resources-repository.js';
import { scimRoutes } from './scim-routes.js';
import { ScimUsers } from './scim-users.js';

export function wireScim(shared: SharedServices, deps: { directory: DirectoryServices }): Feature {
  const { config, db, audit, users, logger } = shared;
  if (!config.scim.clients.length) return {};
  const resources = new ScimResourcesRepository(db);
  const authenticate = scimAuthenticator(config.scim.clients, (c) =>
    c.provisions === 'members' ? config.tenant.memberDomains : (config.partners.find((p) => p.id === c.partner)?.domains ?? []),
  );
  return {
    routers: [
      scimRoutes({
        users: new ScimUsers({ db, users, resources, lifecycle: deps.directory.lifecycle, audit, issuer: config.issuer }),
        groups: new ScimGroups({ db, groups: deps.directory.groups, resources, audit, issuer: config.issuer }),
        authenticate,
        issuer: config.issuer,
        logger,
      }),
    ],
  };
}
