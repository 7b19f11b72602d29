import type { LinkedIdentity } from '../directory/identities-repository.js';
import type { User } from '../directory/user-model.js';
import type { UpstreamIdentity } from '../federation/upstream-identity.js';
import { HttpError } from '../http/http-error.js';

/**
 * A guest signs in through the IdP their account is linked to, proving their address, but the IdP
 * now names them with another identifier (a partner changed its NameID rule, re-created the
 * account, or moved to a new tenant). Saying "not invited here" would be false and send the
 * admin the wrong way; linking the new identifier by email would let whoever holds that address
 * at the partner today (a reassigned mailbox) take over the account. So Foyer stops, tells the
 * guest to ask the admin, and gives the admin (sign-in log, never the page) the two identifiers.
 * The admin's fix is an account-recovery action: reset the redemption (docs/federation.md).
 */
export class UpstreamIdentifierChanged extends HttpError {
  /** For the sign-in log's failure_detail: the identifiers, which the page must not show. */
  readonly adminDetail: string;

  constructor(user: User, identity: UpstreamIdentity, previous: LinkedIdentity[]) {
    super(
      409,
      'upstreamIdentifierChanged',
      `Your organisation's sign-in now identifies you differently than when you accepted your invitation, so Foyer did not sign you in. ` +
        `Ask the person who shares the app with you to reset your invitation; you then accept it again and keep your access.`,
    );
    this.adminDetail =
      `${identity.idpId} now names ${user.mail} with subject "${identity.subject}", but the account ${user.id} is linked to ` +
      `${previous.map((p) => `"${p.subject}"`).join(', ')} from that IdP. Not linked automatically (a reassigned address would take the account over). ` +
      `If the partner changed its identifier on purpose: npx foyer invitations reset ${user.mail} --send (or POST /v1.0/invitations with resetRedemption), ` +
      `and for a SAML IdP check that it still releases the same persistent NameID (docs/federation.md).`;
  }
}
