import type { Database } from '../db/connect.js';
import type { Clock } from '../lib/clock.js';

/** What one attempt to run a deployment-wide job did. */
export type LeaseOutcome = 'ran' | 'failed' | 'notDue' | 'heldElsewhere';

export interface LeasedJob {
  name: string;
  everyMs: number;
  run(): Promise<unknown>;
}

export interface JobLeases {
  /**
   * Runs the job here if it is due and no other node holds it, then schedules its next run. A run
   * that throws releases the lease and stays due (tried again at the next poll, on any node).
   */
  tryRun(job: LeasedJob): Promise<LeaseOutcome>;
}

export interface JobLeaseOptions {
  db: Database;
  clock: Clock;
  /** Names this node in the lease row (for operators reading it). */
  nodeId: string;
  /** How long a claim lasts without renewal; a node killed mid-run frees the job after this. */
  leaseMs?: number;
}

const DEFAULT_LEASE_MS = 10 * 60 * 1000;

/**
 * Once-across-the-deployment runs for background jobs, on the database every node already shares
 * (PostgreSQL, or SQLite for a single node): `job_leases` holds, per job, when it is next due and
 * who holds it. Claiming is one conditional UPDATE (due, and the lease free or run out), so the
 * database decides between nodes: on PostgreSQL the second UPDATE waits for the first and then no
 * longer matches. While a run lasts the holder renews its lease; a node killed mid-run stops
 * renewing and its lease runs out, and the job is due again on another node.
 *
 * Exactly-once is per job *run*, not per effect: the jobs are sweeps over the directory's state
 * (what has expired, who is inactive) that apply each change in its own transaction and re-check
 * the state inside it, so a run cut short leaves whole changes only and the next run finishes the
 * rest; a run repeated after a lost completion finds nothing left to do. Downtime needs no catch-up
 * list: a job overdue by a week runs once and sees everything that fell due meanwhile.
 */
export function createJobLeases(opts: JobLeaseOptions): JobLeases {
  const { db, clock, nodeId } = opts;
  const leaseMs = opts.leaseMs ?? DEFAULT_LEASE_MS;
  const iso = (ms: number) => new Date(ms).toISOString();

  async function ensureRow(job: LeasedJob): Promise<void> {
    // Due at once on first sight: a new deployment (or a new job) runs it at the first poll.
    await db('job_leases').insert({ name: job.name, next_run_at: iso(clock.now().getTime()) }).onConflict('name').ignore();
  }

  async function claim(job: LeasedJob): Promise<boolean> {
    const now = iso(clock.now().getTime());
    const claimed = await db('job_leases')
      .where({ name: job.name })
      .andWhere('next_run_at', '<=', now)
      .andWhere((q) => q.whereNull('leased_until').orWhere('leased_until', '<=', now))
      .update({ leased_by: nodeId, leased_until: iso(clock.now().getTime() + leaseMs), last_started_at: now });
    return claimed === 1;
  }

  async function isDue(job: LeasedJob): Promise<boolean> {
    const row = await db('job_leases').where({ name: job.name }).first('next_run_at');
    return Boolean(row && row.next_run_at <= iso(clock.now().getTime()));
  }

  return {
    async tryRun(job) {
      await ensureRow(job);
      if (!(await claim(job))) return (await isDue(job)) ? 'heldElsewhere' : 'notDue';
      // Renew on real time: a long run keeps its claim, a dead node's claim runs out.
      const renew = setInterval(() => {
        void db('job_leases')
          .where({ name: job.name, leased_by: nodeId })
          .update({ leased_until: iso(clock.now().getTime() + leaseMs) })
          .catch(() => {});
      }, Math.max(1000, Math.floor(leaseMs / 3)));
      renew.unref();
      try {
        await job.run();
        const finished = clock.now().getTime();
        await db('job_leases')
          .where({ name: job.name, leased_by: nodeId })
          .update({ next_run_at: iso(finished + job.everyMs), leased_by: null, leased_until: null, last_finished_at: iso(finished), last_error: null });
        return 'ran';
      } catch (err) {
        await db('job_leases')
          .where({ name: job.name, leased_by: nodeId })
          .update({ leased_by: null, leased_until: null, last_error: (err instanceof Error ? err.message : String(err)).slice(0, 500) })
          .catch(() => {});
        throw err;
      } finally {
        clearInterval(renew);
      }
    },
  };
}
