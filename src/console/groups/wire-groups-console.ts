/**
 * The console's Groups section (/myapps/admin/groups): list, search, create, rename and delete
 * groups, and change their members and owners, through the directory's GroupService.
 */
import type { Feature } from '../../core/feature.js';
import type { SharedServices } from '../../core/shared-services.js';
import type { DirectoryServices } from '../../directory/directory-services.js';
import { consoleRouter, type ConsoleGuardDeps } from '../console-router.js';
import { groupsConsoleRoutes } from './groups-console-routes.js';

export function wireGroupsConsole(shared: SharedServices, deps: ConsoleGuardDeps & { directory: DirectoryServices }): Feature {
  const { directory } = deps;
  const router = groupsConsoleRoutes(consoleRouter(shared, deps, 'groups'), {
    groups: directory.groups,
    groupService: directory.groupService,
    users: shared.users,
    ownership: directory.ownership,
    renderer: shared.renderer,
    db: shared.db,
  });
  return { routers: [router] };
}
