/**
 * The privilege-escalation suites' world (options for test/support/world.ts): app and group owners
 * may invite, appowner@contoso.example owns the web app, an admin tool holds every directory
 * permission, and the partner IdP knows gwen, who becomes a guest.
 */
import { partnerUser } from '../../portal/portal-helpers.js';
import { daemonApp, type WorldOptions } from '../../support/world.js';

export function ownersWorld(more: (config: Record<string, unknown>) => void = () => {}): WorldOptions {
  return {
    oidc: [{ users: { gwen: partnerUser('gwen') } }],
    portal: true,
    apps: [daemonApp('admin-app', ['User.Read.All', 'User.ReadWrite.All', 'Group.ReadWrite.All', 'User.Invite.All'], 'Admin tool')],
    customize: (config) => {
      config.delegatedManagement = { appOwnersCanInvite: true, groupOwnersCanInvite: true };
      (config.apps as Record<string, unknown>[])[0]!.owners = ['appowner@contoso.example'];
      more(config);
    },
  };
}
