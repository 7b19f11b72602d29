import type { Logger } from '../logging/logger.js';
import { FederationError } from './federation-error.js';

export interface DiscoveryCacheOptions {
  idpId: string;
  displayName: string;
  logger: Logger;
  /** How long discovered metadata is used before it is fetched again. */
  ttlMs?: number;
  /** After a failed fetch with nothing cached, sign-ins fail at once for this long instead of each waiting on a dead upstream. */
  retryAfterMs?: number;
  now?: () => number;
}

export interface DiscoveryCache<T> {
  /** The cached value, fetching it when missing or stale; throws `upstream_unreachable`. */
  get(): Promise<T>;
  /** Fetches in the background at start; never rejects (an unreachable IdP must not stop Foyer). */
  warm(): Promise<void>;
}

const HOUR = 3600_000;

/**
 * Caches an IdP's discovery result (openid-client Configuration, which also carries the JWKS
 * cache). When a refresh fails, the stale value keeps serving: an IdP whose metadata endpoint
 * blips should not break sign-ins that would otherwise work.
 */
export function createDiscoveryCache<T>(load: () => Promise<T>, opts: DiscoveryCacheOptions): DiscoveryCache<T> {
  const ttl = opts.ttlMs ?? HOUR;
  const retryAfter = opts.retryAfterMs ?? 10_000;
  const now = opts.now ?? Date.now;
  let value: { data: T; fetchedAt: number } | undefined;
  let failedAt: number | undefined;
  let lastError: unknown;
  let inFlight: Promise<T> | undefined;

  const unreachable = (cause: unknown) =>
    new FederationError(
      'upstream_unreachable',
      `${opts.displayName} cannot be reached right now, so Foyer cannot send you there to sign in. Try again in a few minutes.`,
      { idpId: opts.idpId },
      { cause },
    );

  async function refresh(): Promise<T> {
    try {
      const data = await load();
      value = { data, fetchedAt: now() };
      failedAt = undefined;
      return data;
    } catch (err) {
      failedAt = now();
      lastError = err;
      opts.logger.warn({ idpId: opts.idpId, err: (err as Error).message, cause: causeMessage(err) }, 'identity provider discovery failed');
      if (value) return value.data;
      throw unreachable(err);
    } finally {
      inFlight = undefined;
    }
  }

  async function get(): Promise<T> {
    if (value && now() - value.fetchedAt < ttl) return value.data;
    if (failedAt !== undefined && now() - failedAt < retryAfter) {
      if (value) return value.data;
      throw unreachable(lastError);
    }
    inFlight ??= refresh();
    return inFlight;
  }

  return {
    get,
    warm: () => get().then(
      () => undefined,
      () => {
        // Said at start so an admin does not restart Foyer (or edit config) for an IdP that was only down for a moment.
        opts.logger.warn(
          { idpId: opts.idpId, retryAfterSeconds: retryAfter / 1000 },
          'identity provider unreachable at start: Foyer runs on, and fetches its discovery again at the next sign-in with it (no restart needed); until then that IdP answers upstream_unreachable',
        );
      },
    ),
  };
}

function causeMessage(err: unknown): string | undefined {
  const cause = (err as { cause?: { code?: string; message?: string } } | undefined)?.cause;
  return cause?.code ?? cause?.message;
}
