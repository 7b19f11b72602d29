import type { Reauthentication } from '../federation/connector.js';
import type { InteractionDetails } from './interaction-context.js';

/**
 * What the app's authorization request asked of the sign-in's freshness (`prompt=login`,
 * `max_age`), to forward to the guest's home IdP: without it a guest with a session at the
 * partner would be signed in again silently, and an app's "sign in again" would mean nothing.
 */
export function reauthenticationOf(details: InteractionDetails, now = Date.now()): Reauthentication | undefined {
  const prompts = typeof details.params.prompt === 'string' ? details.params.prompt.split(' ') : [];
  const rawMaxAge = details.params.max_age;
  const maxAge = typeof rawMaxAge === 'number' ? rawMaxAge : typeof rawMaxAge === 'string' && /^\d{1,10}$/.test(rawMaxAge) ? Number(rawMaxAge) : undefined;
  const force = prompts.includes('login') || maxAge === 0;
  if (!force && maxAge === undefined) return undefined;
  return { force, ...(maxAge !== undefined ? { maxAgeSeconds: maxAge } : {}), startedAt: now };
}
