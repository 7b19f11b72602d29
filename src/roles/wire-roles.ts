/**
 * Directory roles (src/roles/): Global Administrator, User Administrator, Groups Administrator and
 * Guest Inviter, granted and removed through the API (`/v1.0/directoryRoles`, mounted by the API
 * feature) and the CLI (`foyer roles`), audited. What each role may do is api/api-principal.ts.
 */
import type { SharedServices } from '../core/shared-services.js';
import { RoleAssignments } from './role-assignments.js';

export interface Roles {
  assignments: RoleAssignments;
}

export function wireRoles(shared: SharedServices): Roles {
  const { db, users, audit, config } = shared;
  return { assignments: new RoleAssignments({ db, users, audit, allowGuests: config.directoryRoles.allowGuests }) };
}
