import type { Logger } from '../logging/logger.js';
import type { JobLeases, LeaseOutcome } from './job-leases.js';

/** A background task a feature asks to run every `everyMs`. */
export interface Job {
  name: string;
  everyMs: number;
  run(): Promise<unknown>;
  /**
   * True: once per interval across every node of the deployment, through a lease in the shared
   * database (job-leases.ts): the lifecycle sweeps, purges. False (default): on every node, for
   * node-local work such as reloading signing keys.
   */
  acrossNodes?: boolean;
}

export interface Scheduler {
  /** Starts the jobs; each runs once per interval, never overlapping itself. */
  start(jobs: Job[]): void;
  /**
   * Runs every deployment-wide job that is due now (by the injected clock) and waits for them:
   * what the timers do, on demand (tests with a controllable clock, `foyer jobs run`).
   */
  runDue(): Promise<Record<string, LeaseOutcome>>;
  /** Stops the timers and waits for runs in progress, so storage can close under no one. */
  stop(): Promise<void>;
}

export interface SchedulerOptions {
  logger: Logger;
  /** Needed once a job runs acrossNodes. */
  leases?: JobLeases;
  /** How often a node asks whether a deployment-wide job is due (at most the job's interval). */
  pollMs?: number;
  /** No timers for deployment-wide jobs: only runDue() runs them (tests drive a controllable clock). */
  manual?: boolean;
}

const DEFAULT_POLL_MS = 30_000;

/**
 * The one place background loops run, so each feature states what it needs and shutdown stops them
 * all cleanly. A run that throws is logged and tried again at the next interval; a run still going
 * at the next tick is not started twice. Timers are unref'd: they never keep the process alive.
 */
export function createScheduler(opts: SchedulerOptions): Scheduler {
  const { logger, leases } = opts;
  const timers: NodeJS.Timeout[] = [];
  const running = new Set<Promise<unknown>>();
  /** The run in progress on this node, per job name. */
  const current = new Map<string, Promise<LeaseOutcome>>();
  let acrossNodes: Job[] = [];
  let stopped = false;
  const requireLeases = (): JobLeases => {
    if (!leases) throw new Error('a deployment-wide job needs job leases');
    return leases;
  };

  function runOnce(job: Job): Promise<LeaseOutcome> {
    const existing = current.get(job.name);
    if (existing) return existing;
    const attempt = (job.acrossNodes ? requireLeases().tryRun(job) : job.run().then((): LeaseOutcome => 'ran'))
      .catch((err: unknown): LeaseOutcome => {
        logger.warn({ job: job.name, err: err instanceof Error ? err.message : String(err) }, 'background job failed; it runs again at the next interval');
        return 'failed';
      })
      .finally(() => {
        current.delete(job.name);
        running.delete(attempt);
      });
    current.set(job.name, attempt);
    running.add(attempt);
    return attempt;
  }

  function every(job: Job, ms: number): void {
    const timer = setInterval(() => {
      if (!stopped && !current.has(job.name)) void runOnce(job);
    }, ms);
    timer.unref();
    timers.push(timer);
  }

  return {
    start(jobs) {
      acrossNodes = jobs.filter((j) => j.acrossNodes);
      for (const job of jobs) {
        if (!job.acrossNodes) every(job, job.everyMs);
        else if (!opts.manual) every(job, Math.min(job.everyMs, opts.pollMs ?? DEFAULT_POLL_MS));
      }
    },
    async runDue() {
      const outcomes: Record<string, LeaseOutcome> = {};
      for (const job of acrossNodes) {
        if (stopped) break;
        // A timer's run of the same job on this node finishes first; then this one asks again.
        await current.get(job.name);
        outcomes[job.name] = await runOnce(job);
      }
      return outcomes;
    },
    async stop() {
      stopped = true;
      for (const timer of timers.splice(0)) clearInterval(timer);
      await Promise.allSettled([...running]);
    },
  };
}
