import type { UserRole } from '../directory/user-model.js';

/** One built-in directory role, as Graph's `directoryRole` names it (Entra's template ids). */
export interface DirectoryRole {
  /** Foyer's id is Entra's roleTemplateId, so scripts written for Entra find the same role. */
  id: string;
  roleTemplateId: string;
  displayName: string;
  description: string;
  /** How the role is stored on the user (users.roles). */
  key: UserRole;
  /** What the CLI accepts besides the id and the display name. */
  slug: string;
}

/**
 * The directory roles Foyer knows. What each may do through the API is in api/api-principal.ts
 * (ROLE_PERMISSIONS); who may grant them is role-assignments.ts.
 */
export const DIRECTORY_ROLES: readonly DirectoryRole[] = [
  {
    id: '62e90394-69f5-4237-9190-012177145e10',
    roleTemplateId: '62e90394-69f5-4237-9190-012177145e10',
    displayName: 'Global Administrator',
    description: 'Can manage everything in Foyer: users, groups, invitations, app assignments, directory roles, logs.',
    key: 'admin',
    slug: 'admin',
  },
  {
    id: 'fe930be7-5e62-47db-91af-98c3a49a38b1',
    roleTemplateId: 'fe930be7-5e62-47db-91af-98c3a49a38b1',
    displayName: 'User Administrator',
    description: 'Can invite, update, disable and delete users and manage groups; cannot grant directory roles or manage administrators.',
    key: 'userAdministrator',
    slug: 'user-administrator',
  },
  {
    id: 'fdd7a751-b60b-444a-984c-02652fe8fa1c',
    roleTemplateId: 'fdd7a751-b60b-444a-984c-02652fe8fa1c',
    displayName: 'Groups Administrator',
    description: 'Can create and manage groups and their members and owners, and read users.',
    key: 'groupsAdministrator',
    slug: 'groups-administrator',
  },
  {
    id: '95e79109-95c0-4d8e-aee3-d01accf2d47b',
    roleTemplateId: '95e79109-95c0-4d8e-aee3-d01accf2d47b',
    displayName: 'Guest Inviter',
    description: 'Can invite guest users (even when members in general may not) and read users.',
    key: 'guestInviter',
    slug: 'guest-inviter',
  },
];

/** Roles that let their holder act on other people's accounts: only a Global Administrator manages their holders. */
export const PRIVILEGED_ROLES: readonly UserRole[] = ['admin', 'userAdministrator'];

export function roleById(id: string): DirectoryRole | undefined {
  const lower = id.toLowerCase();
  return DIRECTORY_ROLES.find((r) => r.id === lower);
}

/** The CLI's lookup: an id, a slug (`guest-inviter`), the stored key (`guestInviter`) or the display name, any case. */
export function roleByName(name: string): DirectoryRole | undefined {
  const n = name.trim().toLowerCase();
  return DIRECTORY_ROLES.find((r) => r.id === n || r.slug === n || r.key.toLowerCase() === n || r.displayName.toLowerCase() === n);
}
