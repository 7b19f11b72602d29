import type { AppConfig } from '../../config/apps-schema.js';
import type { ConditionalAccessPolicy } from '../../config/policies-schema.js';

/** How a conditional access policy reaches an app (Entra's "Cloud apps" condition). */
export interface PolicyTarget {
  id: string;
  displayName: string;
  state: ConditionalAccessPolicy['state'];
  how: 'this app' | 'all apps' | 'excluded';
}

/** The policies that name this app or all apps, and those that exclude it. */
export function policiesTargeting(policies: readonly ConditionalAccessPolicy[], appId: string): PolicyTarget[] {
  const out: PolicyTarget[] = [];
  for (const p of policies) {
    const { includeApplications, excludeApplications } = p.conditions.applications;
    const how = excludeApplications.includes(appId) ? 'excluded' : includeApplications.includes(appId) ? 'this app' : includeApplications.includes('All') ? 'all apps' : undefined;
    if (how) out.push({ id: p.id, displayName: p.displayName, state: p.state, how });
  }
  return out;
}

/**
 * An app's configuration as the console shows it: what an admin needs to check a registration,
 * never the client secret (only whether there is one).
 */
export function appView(app: AppConfig) {
  return {
    id: app.id,
    displayName: app.displayName,
    description: app.description ?? '',
    clientType: app.clientSecret ? 'Confidential (has a client secret)' : 'Public (PKCE)',
    confidential: Boolean(app.clientSecret),
    redirectUris: app.redirectUris,
    postLogoutRedirectUris: app.postLogoutRedirectUris,
    grantTypes: app.grantTypes,
    firstParty: app.firstParty,
    assignmentRequired: app.assignmentRequired,
    launchUrl: app.launchUrl ?? '',
    owners: app.owners,
    permissions: app.permissions,
    backchannelLogoutUri: app.backchannelLogoutUri ?? '',
    appRoles: app.appRoles.map((r) => ({ id: r.id, value: r.value, displayName: r.displayName, allowedMemberTypes: r.allowedMemberTypes })),
  };
}
