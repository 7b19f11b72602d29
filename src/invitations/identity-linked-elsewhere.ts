import { HttpError } from '../http/http-error.js';
import { maskEmail } from '../lib/mask-email.js';

/**
 * Redeeming an invitation with an account that is already another user's identity here (a shared
 * computer still signed in at the partner as a colleague, or a second invitation for someone who
 * already has a guest account). The page says which account was used and whose it is, masked
 * (the person proved the account at their IdP, but the screen may be seen by others), and the
 * two ways on. Nothing is written.
 */
export function identityLinkedElsewhere(opts: { signedInAs?: string; idpName?: string; owner?: string; invitedEmail: string }): HttpError {
  const at = opts.idpName ? ` at ${opts.idpName}` : '';
  const account = opts.signedInAs ? `as ${maskEmail(opts.signedInAs)}` : 'with an account';
  const owner = opts.owner && opts.owner.toLowerCase() !== opts.signedInAs?.toLowerCase() ? ` (${maskEmail(opts.owner)})` : '';
  const invited = maskEmail(opts.invitedEmail);
  return new HttpError(
    409,
    'identityLinkedElsewhere',
    `You signed in${at} ${account}, and that account already belongs to another user here${owner}, so it cannot accept this invitation for ${invited}.`,
    {
      nextStep: `Sign out${at} (or use a private browser window), open the invitation link again and sign in with the account for ${invited}. If the invitation was meant for the account you used, ask the person who invited you to send it to that address instead.`,
    },
  );
}
