/**
 * The console's sign-in log viewer (/myapps/admin/sign-ins): the log conditional access writes
 * (src/audit/sign-in-log.ts), filtered and paged, with each sign-in's policy trace.
 */
import { SkipTokenCodec } from '../../api/skiptoken.js';
import type { SignInLog } from '../../audit/sign-in-log.js';
import { LOCAL_IDP_ID } from '../../config/policies-schema.js';
import type { Feature } from '../../core/feature.js';
import type { SharedServices } from '../../core/shared-services.js';
import { PASSCODE_IDP } from '../../interaction/home-realm-discovery.js';
import { PORTAL_CLIENT_ID } from '../../portal/portal-client.js';
import { derivedKeys } from '../../provider/keys/derived-keys.js';
import { consoleRouter, type ConsoleGuardDeps } from '../console-router.js';
import { signInsConsoleRoutes } from './sign-ins-console-routes.js';

export function wireSignInsConsole(shared: SharedServices, deps: ConsoleGuardDeps & { signIns: SignInLog }): Feature {
  const { config } = shared;
  const choices = {
    apps: [...config.apps.map((a) => ({ id: a.id, name: a.displayName })), { id: PORTAL_CLIENT_ID, name: 'My Apps', key: 'console.common.myApps' }],
    idps: [...config.identityProviders.map((i) => ({ id: i.id, name: i.displayName ?? i.id })), { id: PASSCODE_IDP, name: 'Email one-time passcode', key: 'console.common.passcodeIdp' }, { id: LOCAL_IDP_ID, name: 'Password (members)', key: 'console.common.passwordIdp' }],
    partners: config.partners.map((p) => ({ id: p.id, name: p.displayName })),
  };
  const router = signInsConsoleRoutes(consoleRouter(shared, deps, 'sign-ins'), {
    log: deps.signIns,
    renderer: shared.renderer,
    choices,
    // Its own keys, derived from the shared cookie secrets at each use as the API's $skiptoken's are.
    cursors: new SkipTokenCodec(derivedKeys(shared.keys, 'console-sign-ins-cursor')),
  });
  return { routers: [router] };
}
