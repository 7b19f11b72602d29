import type { UserRole, UserType } from '../directory/user-model.js';
import type { Permission } from './api-resource.js';

/** Who called the API: an app with application permissions, or a user through an app. */
export type ApiPrincipal =
  | { kind: 'app'; appId: string; displayName: string; permissions: Set<Permission> }
  | { kind: 'user'; userId: string; displayName: string; userType: UserType; roles: UserRole[]; scopes: Set<Permission>; appId: string };

/** Permissions a role brings to a user token; the token's scopes must also include them. */
const ROLE_PERMISSIONS: Record<UserRole, Permission[]> = {
  admin: ['User.Read.All', 'User.ReadWrite.All', 'User.Invite.All', 'Group.ReadWrite.All', 'AuditLog.Read.All', 'Policy.Read.All', 'RoleManagement.ReadWrite.Directory'],
  // Neither may grant directory roles (RoleManagement.*): that is the Global Administrator's alone.
  userAdministrator: ['User.Read.All', 'User.ReadWrite.All', 'User.Invite.All', 'Group.ReadWrite.All', 'RoleManagement.Read.Directory'],
  groupsAdministrator: ['User.Read.All', 'Group.ReadWrite.All'],
  guestInviter: ['User.Invite.All', 'User.Read.All'],
};

/** Any user may attempt to invite; allowInvitesFrom decides (checked by the invitation service). */
const EVERY_USER: Permission[] = ['User.Invite.All'];

/** As in Graph, a write permission includes reading the same resources. */
const IMPLIED_BY: Partial<Record<Permission, Permission[]>> = { 'User.Read.All': ['User.ReadWrite.All'], 'RoleManagement.Read.Directory': ['RoleManagement.ReadWrite.Directory'] };

function holds(principal: ApiPrincipal, permission: Permission): boolean {
  if (principal.kind === 'app') return principal.permissions.has(permission);
  if (!principal.scopes.has(permission)) return false;
  return EVERY_USER.includes(permission) || principal.roles.some((r) => ROLE_PERMISSIONS[r].includes(permission));
}

/**
 * What directory roles let a user do in the browser (the admin console), where there is no token
 * whose scopes could narrow it: the role's permissions and what they imply.
 */
export function permissionsOfRoles(roles: readonly UserRole[]): Set<Permission> {
  const held = new Set(roles.flatMap((r) => ROLE_PERMISSIONS[r]));
  for (const [permission, impliedBy] of Object.entries(IMPLIED_BY) as [Permission, Permission[]][]) {
    if (impliedBy.some((p) => held.has(p))) held.add(permission);
  }
  return held;
}

export function hasPermission(principal: ApiPrincipal, permission: Permission): boolean {
  return [permission, ...(IMPLIED_BY[permission] ?? [])].some((p) => holds(principal, p));
}

/**
 * The owner "role": a user who owns an app (config) or a group (directory), with delegation
 * switched on, may use these permissions on what they own only, and only with a token carrying
 * the scope. The route decides ownership of the resource in hand (see api/owner-guard.ts).
 */
const OWNER_PERMISSIONS: Permission[] = ['User.Read.All', 'User.ReadWrite.All', 'Group.ReadWrite.All'];

export function mayActAsOwner(principal: ApiPrincipal, permission: Permission): boolean {
  if (principal.kind !== 'user' || !OWNER_PERMISSIONS.includes(permission)) return false;
  return [permission, ...(IMPLIED_BY[permission] ?? [])].some((p) => principal.scopes.has(p));
}
