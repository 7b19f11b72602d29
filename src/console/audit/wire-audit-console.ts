/**
 * The console's audit log (/myapps/admin/audit): the directory audit log (src/audit/), who changed
 * what, filtered as the API's directoryAudits and paged.
 */
import type { Feature } from '../../core/feature.js';
import type { SharedServices } from '../../core/shared-services.js';
import type { DirectoryServices } from '../../directory/directory-services.js';
import { consoleRouter, type ConsoleGuardDeps } from '../console-router.js';
import { auditConsoleRoutes } from './audit-console-routes.js';

export function wireAuditConsole(shared: SharedServices, deps: ConsoleGuardDeps & { directory: DirectoryServices }): Feature {
  const router = auditConsoleRoutes(consoleRouter(shared, deps, 'audit'), { db: shared.db, users: shared.users, groups: deps.directory.groups, renderer: shared.renderer });
  return { routers: [router] };
}
