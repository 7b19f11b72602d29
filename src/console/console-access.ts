import type { Context, Middleware } from 'koa';
import { permissionsOfRoles } from '../api/api-principal.js';
import type { Permission } from '../api/api-resource.js';
import type { User } from '../directory/user-model.js';
import { HttpError } from '../http/http-error.js';
import { portalUser } from '../portal/portal-auth.js';

/**
 * The admin console (/myapps/admin/…): each section needs the same permission the API would ask
 * of a token for the same work (api/api-principal.ts), so a Guest Inviter sees the guest list and
 * the invite forms but not the groups, and a Groups Administrator cannot disable a guest.
 * Every console section, whichever folder serves it, is listed in CONSOLE_SECTIONS so the menu
 * shows it to exactly the admins its routes let in.
 */
export interface ConsoleSection {
  id: string;
  /** The menu's label: a catalog key (locales/), shown in the page's language. */
  labelKey: string;
  path: string;
  permission: Permission;
}

export const CONSOLE_SECTIONS: readonly ConsoleSection[] = [
  { id: 'guests', labelKey: 'console.sections.guests', path: '/myapps/admin/guests', permission: 'User.Read.All' },
  { id: 'groups', labelKey: 'console.sections.groups', path: '/myapps/admin/groups', permission: 'Group.ReadWrite.All' },
  { id: 'apps', labelKey: 'console.sections.apps', path: '/myapps/admin/apps', permission: 'User.Read.All' },
  { id: 'sign-ins', labelKey: 'console.sections.signIns', path: '/myapps/admin/sign-ins', permission: 'AuditLog.Read.All' },
  { id: 'audit', labelKey: 'console.sections.audit', path: '/myapps/admin/audit', permission: 'AuditLog.Read.All' },
  { id: 'what-if', labelKey: 'console.sections.whatIf', path: '/myapps/admin/what-if', permission: 'Policy.Read.All' },
  { id: 'config', labelKey: 'console.sections.config', path: '/myapps/admin/config', permission: 'Policy.Read.All' },
  { id: 'invite', labelKey: 'console.sections.invite', path: '/myapps/admin/invite', permission: 'User.Invite.All' },
];

export function consolePermissions(user: User): Set<Permission> {
  return permissionsOfRoles(user.roles);
}

export function mayUseConsole(user: User, permission: Permission): boolean {
  return consolePermissions(user).has(permission);
}

/** Refuses with 403 a user whose directory roles lack the permission (before anything is written). */
export function assertConsolePermission(user: User, permission: Permission): void {
  if (!mayUseConsole(user, permission)) {
    throw new HttpError(403, 'consolePermissionRequired', 'Your directory role does not allow this page or action. Ask a Global Administrator if you need it.');
  }
}

/** Console pages and forms: the signed-in user's roles must give the permission. */
export function requireConsolePermission(permission: Permission): Middleware {
  return async (ctx, next) => {
    assertConsolePermission(portalUser(ctx), permission);
    await next();
  };
}

/** The sections this user may open, for the console's menu (the current one marked). */
export function consoleSectionsFor(user: User, current?: string): { labelKey: string; path: string; current: boolean }[] {
  const held = consolePermissions(user);
  return CONSOLE_SECTIONS.filter((s) => held.has(s.permission)).map((s) => ({ labelKey: s.labelKey, path: s.path, current: s.id === current }));
}

/** Where the My Apps menu's "Admin console" link goes: the first section the user may open, or none. */
export function consoleHomeFor(ctx: Context): string {
  return consoleSectionsFor(portalUser(ctx))[0]?.path ?? '';
}
