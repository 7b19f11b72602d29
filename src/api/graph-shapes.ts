import type { Group } from '../directory/groups-repository.js';
import type { User } from '../directory/user-model.js';

/** A user as Graph's user resource, with `identities` like Graph's objectIdentity list. */
export function toGraphUser(user: User, identities: { idpId: string; issuer: string; subject: string }[] = []) {
  return {
    id: user.id,
    displayName: user.displayName,
    mail: user.mail,
    userPrincipalName: user.mail,
    userType: user.userType,
    accountEnabled: user.accountEnabled,
    externalUserState: user.externalUserState,
    externalUserStateChangeDateTime: user.externalUserStateChangeDateTime,
    createdDateTime: user.createdDateTime,
    preferredLanguage: user.preferredLanguage,
    signInActivity: { lastSignInDateTime: user.lastSignInDateTime },
    identities: identities.map((i) => ({ signInType: 'federated', issuer: i.issuer, issuerAssignedId: i.subject, identityProvider: i.idpId })),
  };
}

/** A group as Graph's group resource; Foyer's groups are security groups without mail. */
export function toGraphGroup(group: Group) {
  return {
    '@odata.type': '#microsoft.graph.group',
    id: group.id,
    displayName: group.displayName,
    description: group.description,
    createdDateTime: group.createdDateTime,
    securityEnabled: true,
    mailEnabled: false,
    groupTypes: [],
  };
}
