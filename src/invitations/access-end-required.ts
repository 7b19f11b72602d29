import { accessEnded } from '../directory/account-usable.js';
import type { User } from '../directory/user-model.js';
import { HttpError } from '../http/http-error.js';

/**
 * An invitation (new, again, a reset or a resend) for a guest whose access has ended must carry a
 * new end after `now`: without one the end stays in the past, and the link it mails could never
 * let the guest in (redemption and every sign-in refuse an ended access). Refused before anything
 * is written or mailed, so the inviter learns it, not the guest after a useless redemption.
 */
export function refuseEndedWithoutNewEnd(user: Pick<User, 'userType' | 'accessExpiresAt'>, newEnd: string | undefined, now: Date): void {
  if (user.userType !== 'Guest' || !accessEnded(user, now)) return;
  if (newEnd !== undefined && Date.parse(newEnd) > now.getTime()) return;
  throw accessEndRequired(user.accessExpiresAt);
}

export function accessEndRequired(endedAt: string | null): HttpError {
  const when = endedAt && !Number.isNaN(Date.parse(endedAt)) ? `ended on ${new Date(endedAt).toISOString()}` : 'has ended';
  return new HttpError(400, 'accessEndRequired', `This guest's access ${when}. Give the invitation a new accessExpirationDateTime to give access back.`);
}
