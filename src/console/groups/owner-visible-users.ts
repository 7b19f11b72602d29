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
export function ownerMayFind(deps: { ownership: Ownership; groups: GroupsRepository }, owner: User): (user: User | undefined) => Promise<boolean> {
  return async (user) => {
    if (user?.userType === 'Member') return true;
    // The same two queries for a hidden guest and for an address nobody has (an id no user has),
    // so the time the answer takes does not tell them apart either.
    const owned = (await deps.ownership.groupsOwnedBy(owner)).map((group) => group.id);
    const linked = await deps.groups.hasLinkToAny('members', owned, user?.id ?? NO_SUCH_USER);
    return user !== undefined && linked;
  };
}

/** A user id no row has (ids are UUIDs). */
const NO_SUCH_USER = '00000000-0000-0000-0000-000000000000';
