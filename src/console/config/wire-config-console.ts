/**
 * The console's configuration pages (/myapps/admin/config): identity providers, partners,
 * conditional access policies and mail as loaded, with the config audit's warnings, secrets redacted.
 */
import type { Feature } from '../../core/feature.js';
import type { SharedServices } from '../../core/shared-services.js';
import type { DirectoryServices } from '../../directory/directory-services.js';
import { consoleRouter, type ConsoleGuardDeps } from '../console-router.js';
import { configConsoleRoutes } from './config-console-routes.js';

export function wireConfigConsole(shared: SharedServices, deps: ConsoleGuardDeps & { directory: DirectoryServices }): Feature {
  const router = configConsoleRoutes(consoleRouter(shared, deps, 'config'), { config: shared.config, groups: deps.directory.groups, clock: shared.clock, renderer: shared.renderer });
  return { routers: [router] };
}
