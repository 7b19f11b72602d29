import type { AppConfig } from '../config/apps-schema.js';
import type { DelegationConfig } from '../config/delegation-schema.js';
import type { Database } from '../db/connect.js';
import type { Group, GroupsRepository } from './groups-repository.js';
import { normalizeEmail, type User } from './user-model.js';

/**
 * Who owns what, for delegated management: app owners are named by email in config, group
 * owners in the directory. Ownership counts only while the admin's delegation switch for that
 * kind of resource is on; with it off, an owner is just a user.
 */
export class Ownership {
  constructor(
    private readonly deps: { apps: AppConfig[]; delegation: DelegationConfig; groups: GroupsRepository },
  ) {}

  /** The apps this user may manage (in config order). */
  appsOwnedBy(user: Pick<User, 'mail' | 'accountEnabled'>): AppConfig[] {
    if (!this.deps.delegation.appOwnersCanInvite || !user.accountEnabled) return [];
    const mail = normalizeEmail(user.mail);
    return this.deps.apps.filter((a) => a.owners.includes(mail));
  }

  ownsApp(user: Pick<User, 'mail' | 'accountEnabled'>, appId: string): boolean {
    return this.appsOwnedBy(user).some((a) => a.id === appId);
  }

  /** The groups this user may manage. */
  async groupsOwnedBy(user: Pick<User, 'id' | 'accountEnabled'>, trx?: Database): Promise<Group[]> {
    if (!this.deps.delegation.groupOwnersCanInvite || !user.accountEnabled) return [];
    return this.deps.groups.groupsOf('owners', user.id, trx);
  }

  async ownsGroup(user: Pick<User, 'id' | 'accountEnabled'>, groupId: string, trx?: Database): Promise<boolean> {
    if (!this.deps.delegation.groupOwnersCanInvite || !user.accountEnabled) return false;
    return this.deps.groups.hasLink('owners', groupId, user.id, trx);
  }
}
