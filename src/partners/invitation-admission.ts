import type { FoyerConfig } from '../config/schema.js';
import type { InvitationAdmission } from '../invitations/invitation-service.js';
import { admit } from './admission.js';
import { PartnerDirectory } from './partner-directory.js';
import { refusalError, refusalNames } from './refusals.js';

/**
 * The partner settings as the invitation service applies them, for every inviter (API, CLI, My
 * Apps owners, the admin page): an address of a blocked partner, or of someone the partner does not
 * let in, or an invitation into an app the partner may not use, is refused before anything is
 * written; an allowed one takes the partner's link lifetime, sponsor and message. Built from config
 * alone, so the CLI applies exactly what the server does.
 */
export function invitationAdmission(config: FoyerConfig, directory = new PartnerDirectory(config)): InvitationAdmission {
  const names = refusalNames(config);
  return {
    check(email, appId) {
      const refusal = refusalError(admit(directory, { email, appId }), names, appId);
      if (refusal) throw refusal;
    },
    defaults: (email) => directory.byEmail(email)?.invitations ?? {},
  };
}
