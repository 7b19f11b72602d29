import type { GroupsRepository } from '../../directory/groups-repository.js';
import type { Ownership } from '../../directory/ownership.js';
import type { User } from '../../directory/user-model.js';

/**
 * Whom a group's owner (not an admin) may find by email when adding a member: the organisation's
 * own members, and guests already in a group they own. Any other guest is, to them, no user at
 * all: the add-member form answers exactly as for an address nobody has, so an owner cannot use
 * it to learn which outside addresses are in the directory. (Guests come in through an invitation,
 * which My Apps' owner tools send.)
 */
export function ownerMayFind(deps: { ownership: Ownership; groups: GroupsRepository }, owner: User): (user: User) => Promise<boolean> {
  return async (user) => {
    if (user.userType === 'Member') return true;
    for (const group of await deps.ownership.groupsOwnedBy(owner)) if (await deps.groups.hasLink('members', group.id, user.id)) return true;
    return false;
  };
}
