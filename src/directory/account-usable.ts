import { HttpError } from '../http/http-error.js';
import type { User } from './user-model.js';

/** Why an account may not be used now: switched off, or its access end (accessExpirationDateTime) has passed. */
export type AccountRefusal = 'accountDisabled' | 'accessExpired';

/**
 * Why this user may not sign in or get tokens at `now` (the shared clock), or undefined when they
 * may. The access end counts from its instant: the expiry sweep disables the account later (up to
 * a job interval later, longer if every node is down), and nothing may be issued in between. An
 * end that is not a date refuses too.
 */
export function accountRefusal(user: Pick<User, 'accountEnabled' | 'accessExpiresAt'>, now: Date): AccountRefusal | undefined {
  if (!user.accountEnabled) return 'accountDisabled';
  if (accessEnded(user, now)) return 'accessExpired';
  return undefined;
}

/**
 * Whether the user's access end has passed at `now`, whatever the stored flag says (an end that is
 * not a date counts as passed). Only a new invitation with a new end undoes it (an extension link dies at the end).
 */
export function accessEnded(user: Pick<User, 'accessExpiresAt'>, now: Date): boolean {
  return user.accessExpiresAt !== null && !(Date.parse(user.accessExpiresAt) > now.getTime());
}

/** Whether this user may sign in or get tokens at `now`: enabled, and their access has not ended. */
export function accountUsable(user: Pick<User, 'accountEnabled' | 'accessExpiresAt'>, now: Date): boolean {
  return accountRefusal(user, now) === undefined;
}

/**
 * The refusal for an access that has ended. Shown only after the person proved they are this user
 * (upstream, password, passkey or session), so it tells a stranger nothing; the sign-in log records
 * it under its own code.
 */
export function accessExpired(): HttpError {
  return new HttpError(403, 'accessExpired', 'Your access here has ended. Ask the person who shares the app with you to extend it.');
}
