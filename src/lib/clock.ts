/** ISO-8601 timestamps are stored as text so SQLite and PostgreSQL compare them the same way. */
export function nowIso(): string {
  return new Date().toISOString();
}

export function isoIn(seconds: number): string {
  return new Date(Date.now() + seconds * 1000).toISOString();
}

/**
 * The time as the lifecycle sees it (expiry, inactivity, reviews, job leases). Injected through the
 * shared services so tests move it forward instead of sleeping; production uses the system clock.
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock that stands still until told to move (tests, and `lifecycle plan --at` dry runs). */
export interface ManualClock extends Clock {
  set(at: Date | string): void;
  advance(ms: number): void;
}

export function manualClock(start: Date | string): ManualClock {
  let at = new Date(start).getTime();
  return {
    now: () => new Date(at),
    set: (to) => {
      at = new Date(to).getTime();
    },
    advance: (ms) => {
      at += ms;
    },
  };
}

export const DAY_MS = 24 * 60 * 60 * 1000;
