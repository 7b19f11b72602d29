export type UserType = 'Member' | 'Guest';
export type ExternalUserState = 'PendingAcceptance' | 'Accepted';
/** Directory roles (src/roles/directory-roles.ts): stored by these keys in users.roles. */
export type UserRole = 'admin' | 'userAdministrator' | 'groupsAdministrator' | 'guestInviter';

/** A directory user as the rest of Foyer sees it (Graph's names, camelCase). */
export interface User {
  id: string;
  userType: UserType;
  mail: string;
  displayName: string;
  accountEnabled: boolean;
  externalUserState: ExternalUserState | null;
  externalUserStateChangeDateTime: string | null;
  roles: UserRole[];
  createdBy: string | null;
  /** The partner whose SCIM client provisioned this guest; its first sign-in through that partner's own IdP links it. */
  provisionedByPartner: string | null;
  createdDateTime: string;
  lastSignInDateTime: string | null;
  hasPassword: boolean;
  /** Graph's preferredLanguage: a BCP 47 tag; the language of the mails Foyer sends this person (null: the default). */
  preferredLanguage: string | null;
  /** When a guest's whole access ends (the invitation's accessExpirationDateTime, moved by an extend link); null: never. */
  accessExpiresAt: string | null;
}

export interface UserRow {
  id: string;
  user_type: UserType;
  mail: string;
  mail_normalized: string;
  display_name: string;
  account_enabled: boolean | number;
  external_user_state: ExternalUserState | null;
  external_user_state_changed_at: string | null;
  password_hash: string | null;
  roles: string;
  created_by: string | null;
  provisioned_by_partner?: string | null;
  created_at: string;
  updated_at: string;
  last_sign_in_at: string | null;
  preferred_language?: string | null;
  access_expires_at?: string | null;
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function toUser(row: UserRow): User {
  return {
    id: row.id,
    userType: row.user_type,
    mail: row.mail,
    displayName: row.display_name,
    // SQLite returns booleans as 0/1.
    accountEnabled: Boolean(row.account_enabled),
    externalUserState: row.external_user_state,
    externalUserStateChangeDateTime: row.external_user_state_changed_at,
    roles: JSON.parse(row.roles) as UserRole[],
    createdBy: row.created_by,
    provisionedByPartner: row.provisioned_by_partner ?? null,
    createdDateTime: row.created_at,
    lastSignInDateTime: row.last_sign_in_at,
    hasPassword: row.password_hash !== null,
    preferredLanguage: row.preferred_language ?? null,
    accessExpiresAt: row.access_expires_at ?? null,
  };
}
