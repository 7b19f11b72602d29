import type { Logger } from '../logging/logger.js';

/** A background task a feature asks to run every `everyMs` on this node. */
export interface Job {
  name: string;
  everyMs: number;
  run(): Promise<unknown>;
}

export interface Scheduler {
  /** Starts the jobs; each runs once per interval, never overlapping itself. */
  start(jobs: Job[]): void;
  /** Stops the timers and waits for runs in progress, so storage can close under no one. */
  stop(): Promise<void>;
}

/**
 * The one place background loops run (expired-state purge, signing-key reload, and the jobs to
 * come), so each feature states what it needs and shutdown stops them all cleanly. A run that
 * throws is logged and tried again at the next interval; a run still going at the next tick is not
 * started twice. Timers are unref'd: they never keep the process alive by themselves.
 */
export function createScheduler(logger: Logger): Scheduler {
  const timers: NodeJS.Timeout[] = [];
  const running = new Set<Promise<unknown>>();
  let stopped = false;

  function tick(job: Job, busy: { now: boolean }): void {
    if (busy.now || stopped) return;
    busy.now = true;
    const run = job
      .run()
      .catch((err: unknown) => logger.warn({ job: job.name, err: err instanceof Error ? err.message : String(err) }, 'background job failed; it runs again at the next interval'))
      .finally(() => {
        busy.now = false;
        running.delete(run);
      });
    running.add(run);
  }

  return {
    start(jobs) {
      for (const job of jobs) {
        const busy = { now: false };
        const timer = setInterval(() => tick(job, busy), job.everyMs);
        timer.unref();
        timers.push(timer);
      }
    },
    async stop() {
      stopped = true;
      for (const timer of timers.splice(0)) clearInterval(timer);
      await Promise.allSettled([...running]);
    },
  };
}
