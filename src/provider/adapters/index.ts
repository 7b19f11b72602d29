/**
 * Storage adapters for oidc-provider's models (Session, Interaction, Grant, AccessToken,
 * AuthorizationCode, RefreshToken, DeviceCode, PushedAuthorizationRequest, ReplayDetection, ...).
 *
 * The contract, after oidc-provider's example/my_adapter.js. The provider creates one adapter per
 * model name and calls:
 *
 * - `upsert(id, payload, expiresIn)`: store `payload` under `id`, replacing whatever was there, for
 *   `expiresIn` seconds (undefined: no expiry). Keep the payload exactly (it is opaque and grows with
 *   new provider versions) and index `payload.grantId`, `payload.userCode` and `payload.uid`.
 * - `find(id)`: the stored payload, or undefined once destroyed, revoked or expired. A consumed
 *   payload is still returned, with `consumed` set (truthy; here epoch seconds).
 * - `findByUserCode(userCode)`: the DeviceCode entered by the user (device flow), same rules as find.
 * - `findByUid(uid)`: the Session with that fixed uid (a Session's id changes when regenerated; its
 *   uid does not; tokens bound to a session refer to it by uid).
 * - `consume(id)`: mark as used (authorization codes, refresh tokens on rotation, device codes,
 *   PAR request_uris...) without deleting: a second use must be detectable, which is how oidc-provider
 *   notices code replay and revokes the whole grant.
 * - `destroy(id)`: remove; later finds return undefined.
 * - `take(id)` (Foyer's own, not oidc-provider's): remove and say whether this call removed it, atomically,
 *   so of two concurrent callers exactly one gets true (single-use records such as the federation index).
 * - `claim(id, expiresIn)` (Foyer's own): record `id` as used for `expiresIn` seconds and say whether this
 *   call recorded it, atomically, so of two concurrent callers exactly one gets true (an upstream
 *   answer's `state`, used once: upstream-sign-in.ts). One write, no read.
 * - `revokeByGrantId(grantId)`: remove every token issued under the grant. The provider calls it on
 *   each token model's adapter; both adapters here remove all grantable models at the first call.
 *
 * Every method rejects with StorageUnavailableError (rendered by oidc-provider as a 503
 * `temporarily_unavailable`) when the database or Redis cannot be reached, and never hangs.
 */
import type { Adapter } from 'oidc-provider';
import type { Database } from '../../db/connect.js';
import type { Redis } from '../../db/redis.js';
import { RedisAdapter } from './redis-adapter.js';
import { SqlAdapter } from './sql-adapter.js';

export { StorageUnavailableError, guardStorage } from './storage-unavailable.js';
export { purgeExpired } from './sql-adapter.js';

/** oidc-provider's adapter contract plus Foyer's atomic `take` and `claim`. */
export type FoyerAdapter = Adapter & { take(id: string): Promise<boolean>; claim(id: string, expiresIn: number): Promise<boolean> };

export type AdapterFactory = (name: string) => FoyerAdapter;

/** Redis holds oidc-provider's state when configured (REDIS_URL), otherwise the SQL database does. */
export function createAdapterFactory(opts: { db: Database; redis?: Redis; redisPrefix?: string }): AdapterFactory {
  const { db, redis, redisPrefix } = opts;
  if (redis) return (name) => new RedisAdapter(redis, name, redisPrefix);
  return (name) => new SqlAdapter(db, name);
}
