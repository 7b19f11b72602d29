import { SIGN_IN_FREQUENCY, type SignInFrequencyDetails } from '../access/access-prompt.js';
import type { Reauthentication } from '../federation/connector.js';
import type { InteractionDetails } from './interaction-context.js';

/**
 * What the sign-in's freshness must be, to forward to the guest's home IdP: the app's `prompt=login`
 * and `max_age`, and a conditional access sign-in frequency that sent the person back to sign in.
 * Without it a guest with a session at the partner would be signed in again silently, and an app's
 * "sign in again" (or a policy's "every hour") would mean nothing.
 */
export function reauthenticationOf(details: InteractionDetails, now = Date.now()): Reauthentication | undefined {
  const prompts = typeof details.params.prompt === 'string' ? details.params.prompt.split(' ') : [];
  const rawMaxAge = details.params.max_age;
  const asked = typeof rawMaxAge === 'number' ? rawMaxAge : typeof rawMaxAge === 'string' && /^\d{1,10}$/.test(rawMaxAge) ? Number(rawMaxAge) : undefined;
  const frequency = details.prompt.reasons.includes(SIGN_IN_FREQUENCY) ? (details.prompt.details as SignInFrequencyDetails).signInFrequencySeconds : undefined;
  const ages = [asked, typeof frequency === 'number' ? frequency : undefined].filter((a): a is number => a !== undefined);
  const maxAge = ages.length ? Math.min(...ages) : undefined;
  const force = prompts.includes('login') || maxAge === 0;
  if (!force && maxAge === undefined) return undefined;
  return { force, ...(maxAge !== undefined ? { maxAgeSeconds: maxAge } : {}), startedAt: now };
}
