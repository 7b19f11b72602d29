import type { Knex } from 'knex';
import * as directory from './20261124_001_directory.js';
import * as oidcState from './20261124_002_oidc_state.js';
import * as invitations from './20261124_003_invitations.js';
import * as conditionalAccess from './20261124_004_conditional_access.js';
import * as partners from './20261201_005_partners.js';
import * as appRolesAndClaims from './20261207_015_app_roles_and_claims.js';
import * as logoutDeliveries from './20261207_015_logout_deliveries.js';
import * as jobLeases from './20261207_016_job_leases.js';
import * as sponsors from './20261207_016_sponsors.js';
import * as expiry from './20261207_016_expiry.js';
import * as inactivity from './20261207_016_inactivity.js';
import * as passkeys from './20261207_018_passkeys.js';
import * as signInFailureDetail from './20261207_019_sign_in_failure_detail.js';
import * as passwordReset from './20261207_022_password_reset.js';
import * as scim from './20261207_022_scim.js';
import * as scimGuestIdp from './20261207_022_scim_guest_idp.js';
import * as accessReviews from './20261207_016_access_reviews.js';
import * as unsolicitedSamlAssertionIds from './20261207_019_unsolicited_saml_assertion_ids.js';
import * as reviewSessionsEnded from './20261207_016_review_sessions_ended.js';
import * as guestListIndexes from './20261207_17_guest_list_indexes.js';
import * as bulkInvitations from './20261207_017_bulk_invitations.js';
import * as guestFilterColumns from './20261207_17_guest_filter_columns.js';
import * as directoryIndexes from './20261207_20_directory_indexes.js';
import * as guestPartnerInviterColumns from './20261207_17_guest_partner_inviter_columns.js';
import * as preferredLanguage from './20261207_17_preferred_language.js';

type Migration = Pick<Knex.Migration, 'up' | 'down'>;

/** Every migration, in order. Add new ones at the end; never edit one that has shipped. */
export const migrations: Record<string, Migration> = {
  '20261124_001_directory': directory,
  '20261124_002_oidc_state': oidcState,
  '20261124_003_invitations': invitations,
  '20261124_004_conditional_access': conditionalAccess,
  '20261201_005_partners': partners,
  '20261207_015_app_roles_and_claims': appRolesAndClaims,
  '20261207_015_logout_deliveries': logoutDeliveries,
  '20261207_016_job_leases': jobLeases,
  '20261207_016_sponsors': sponsors,
  '20261207_016_expiry': expiry,
  '20261207_016_inactivity': inactivity,
  '20261207_018_passkeys': passkeys,
  '20261207_019_sign_in_failure_detail': signInFailureDetail,
  '20261207_022_password_reset': passwordReset,
  '20261207_022_scim': scim,
  '20261207_022_scim_guest_idp': scimGuestIdp,
  '20261207_016_access_reviews': accessReviews,
  '20261207_019_unsolicited_saml_assertion_ids': unsolicitedSamlAssertionIds,
  '20261207_016_review_sessions_ended': reviewSessionsEnded,
  '20261207_17_guest_list_indexes': guestListIndexes,
  '20261207_017_bulk_invitations': bulkInvitations,
  '20261207_17_guest_filter_columns': guestFilterColumns,
  '20261207_20_directory_indexes': directoryIndexes,
  '20261207_17_guest_partner_inviter_columns': guestPartnerInviterColumns,
  '20261207_17_preferred_language': preferredLanguage,
};
