/**
 * The console's what-if form (/myapps/admin/what-if): which partner settings and conditional
 * access policies would apply to a sign-in, and why, from the CLI's own evaluation (access/what-if.ts).
 */
import { WhatIf } from '../../access/what-if.js';
import { LOCAL_IDP_ID } from '../../config/policies-schema.js';
import type { Feature } from '../../core/feature.js';
import type { SharedServices } from '../../core/shared-services.js';
import { PASSCODE_IDP } from '../../interaction/home-realm-discovery.js';
import { consoleRouter, type ConsoleGuardDeps } from '../console-router.js';
import { whatIfConsoleRoutes } from './what-if-console-routes.js';

export function wireWhatIfConsole(shared: SharedServices, deps: ConsoleGuardDeps): Feature {
  const { config } = shared;
  const idpNames = new Map([...config.identityProviders.map((i) => [i.id, i.displayName ?? i.id] as const), [PASSCODE_IDP, 'Email one-time passcode'], [LOCAL_IDP_ID, 'Password (members)']]);
  const router = whatIfConsoleRoutes(consoleRouter(shared, deps, 'what-if'), { whatIf: new WhatIf(config, shared.db, shared.users), users: shared.users, renderer: shared.renderer, idpNames });
  return { routers: [router] };
}
