/**
 * The admin console (/myapps/admin/…): one feature made of its sections, each in its own folder
 * with the permission it needs in CONSOLE_SECTIONS (console-access.ts).
 */
import type Provider from 'oidc-provider';
import type { SignInLog } from '../audit/sign-in-log.js';
import type { Feature } from '../core/feature.js';
import type { SharedServices } from '../core/shared-services.js';
import type { DirectoryServices } from '../directory/directory-services.js';
import type { InvitationService } from '../invitations/invitation-service.js';
import { wireAppsConsole } from './apps/wire-apps-console.js';
import { wireAuditConsole } from './audit/wire-audit-console.js';
import { wireConfigConsole } from './config/wire-config-console.js';
import { wireGroupsConsole } from './groups/wire-groups-console.js';
import { wireGuestsConsole } from './guests/wire-guests-console.js';
import { wireSignInsConsole } from './sign-ins/wire-sign-ins-console.js';
import { wireWhatIfConsole } from './what-if/wire-what-if-console.js';

export interface ConsoleDeps {
  provider: Provider;
  directory: DirectoryServices;
  invitations: InvitationService;
  signIns: SignInLog;
}

export function wireConsole(shared: SharedServices, deps: ConsoleDeps): Feature {
  const { provider, directory } = deps;
  const sections = [
    wireGuestsConsole(shared, { provider, directory, invitations: deps.invitations }), // /myapps/admin/guests
    wireGroupsConsole(shared, { provider, directory }), //   /myapps/admin/groups
    wireAppsConsole(shared, { provider, directory }), //     /myapps/admin/apps
    wireSignInsConsole(shared, { provider, signIns: deps.signIns }), // /myapps/admin/sign-ins
    wireAuditConsole(shared, { provider, directory }), //    /myapps/admin/audit
    wireWhatIfConsole(shared, { provider }), //              /myapps/admin/what-if
    wireConfigConsole(shared, { provider, directory }), //   /myapps/admin/config
  ];
  return { routers: sections.flatMap((s) => s.routers ?? []) };
}
