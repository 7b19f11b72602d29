/**
 * The console's Apps section (/myapps/admin/apps): each app's registration as loaded, the
 * policies that reach it, and its user and group assignments (AppAssignmentService).
 */
import type { Feature } from '../../core/feature.js';
import type { SharedServices } from '../../core/shared-services.js';
import type { DirectoryServices } from '../../directory/directory-services.js';
import { consoleRouter, type ConsoleGuardDeps } from '../console-router.js';
import { appsConsoleRoutes } from './apps-console-routes.js';

export function wireAppsConsole(shared: SharedServices, deps: ConsoleGuardDeps & { directory: DirectoryServices }): Feature {
  const { directory } = deps;
  const router = appsConsoleRoutes(consoleRouter(shared, deps, 'apps'), {
    apps: shared.config.apps,
    policies: shared.config.conditionalAccess,
    appAssignments: directory.appAssignments,
    assignments: directory.assignments,
    users: shared.users,
    groups: directory.groups,
    renderer: shared.renderer,
    db: shared.db,
  });
  return { routers: [router] };
}
