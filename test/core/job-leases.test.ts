/**
 * Deployment-wide jobs run once per interval across nodes (src/core/job-leases.ts): two nodes that
 * ask at the same moment get one run between them; a node killed mid-run leaves nothing of its
 * transaction and holds the job only until its lease runs out; a failed run stays due.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJobLeases, type LeasedJob } from '../../src/core/job-leases.js';
import { connectDatabase, type Database } from '../../src/db/connect.js';
import { migrateLatest } from '../../src/db/migrate.js';
import { manualClock } from '../../src/lib/clock.js';
import { describeWithPostgres, freshPostgresSchema } from '../support/real-servers.js';

const HOUR = 3_600_000;
const START = '2027-01-04T09:00:00.000Z';

function countingJob(name: string): LeasedJob & { runs: number } {
  const job = {
    name,
    everyMs: HOUR,
    runs: 0,
    async run() {
      job.runs++;
      // Long enough that the other node asks while this run is in progress.
      await new Promise((r) => setImmediate(r));
    },
  };
  return job;
}

async function twoNodesAsk(db1: Database, db2: Database, clock: ReturnType<typeof manualClock>, job: LeasedJob): Promise<string[]> {
  const a = createJobLeases({ db: db1, clock, nodeId: 'node-a' });
  const b = createJobLeases({ db: db2, clock, nodeId: 'node-b' });
  return Promise.all([a.tryRun(job), b.tryRun(job), a.tryRun(job), b.tryRun(job)]);
}

describe('job leases on SQLite (one node, two schedulers)', () => {
  let dir: string;
  let db: Database;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'foyer-leases-'));
    db = connectDatabase(`sqlite:${join(dir, 'leases.sqlite')}`);
    await migrateLatest(db);
  });
  afterAll(async () => {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs a due job once, then not again until its interval has passed', async () => {
    const clock = manualClock(START);
    const job = countingJob('sqlite counting');
    const outcomes = await twoNodesAsk(db, db, clock, job);
    expect(job.runs).toBe(1);
    expect(outcomes.filter((o) => o === 'ran')).toHaveLength(1);

    clock.advance(HOUR - 1);
    expect(await createJobLeases({ db, clock, nodeId: 'node-a' }).tryRun(job)).toBe('notDue');
    clock.advance(1);
    await twoNodesAsk(db, db, clock, job);
    expect(job.runs).toBe(2);
  });

  it('a run that throws releases the job and leaves it due', async () => {
    const clock = manualClock(START);
    const leases = createJobLeases({ db, clock, nodeId: 'node-a' });
    let fail = true;
    const job: LeasedJob = {
      name: 'sqlite failing',
      everyMs: HOUR,
      run: async () => {
        if (fail) throw new Error('storage hiccup');
      },
    };
    await expect(leases.tryRun(job)).rejects.toThrow('storage hiccup');
    const row = await db('job_leases').where({ name: job.name }).first();
    expect(row).toMatchObject({ leased_by: null, leased_until: null, last_error: 'storage hiccup', next_run_at: START });
    fail = false;
    expect(await createJobLeases({ db, clock, nodeId: 'node-b' }).tryRun(job)).toBe('ran');
    expect(await db('job_leases').where({ name: job.name }).first()).toMatchObject({ last_error: null, next_run_at: new Date(Date.parse(START) + HOUR).toISOString() });
  });
});

describeWithPostgres('job leases on PostgreSQL (two nodes, separate connection pools)', () => {
  const pg = freshPostgresSchema();
  let other: Database;
  beforeAll(async () => {
    await migrateLatest(pg.db);
    await pg.db.schema.createTable('ledger', (t) => t.integer('entry').primary());
    other = connectDatabase(pg.url);
  });
  afterAll(() => other?.destroy());

  it('two nodes asking at once: one run between them, each time the job falls due', async () => {
    const clock = manualClock(START);
    const job = countingJob('pg counting');
    for (let round = 1; round <= 3; round++) {
      const outcomes = await twoNodesAsk(pg.db, other, clock, job);
      expect(job.runs).toBe(round);
      expect(outcomes.filter((o) => o === 'ran')).toHaveLength(1);
      clock.advance(HOUR);
    }
  });

  it('a node killed mid-run: its transaction leaves nothing, its lease holds until it runs out, then another node runs the job whole', async () => {
    const rows = 10;
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'support/lease-holder.ts'), pg.url, START, String(rows)], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise((r) => child.once('exit', r));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => d.toString().includes('midway') && resolve());
      child.once('exit', (code) => reject(new Error(`the lease holder exited early (${code})`)));
    });
    // Its rows are written but not committed.
    child.kill('SIGKILL');
    await exited;

    expect(Number((await pg.db('ledger').count({ n: '*' }).first())!.n)).toBe(0);
    expect(await pg.db('job_leases').where({ name: 'ledger job' }).first()).toMatchObject({ leased_by: 'doomed-node' });

    const clock = manualClock(START);
    const survivor = createJobLeases({ db: other, clock, nodeId: 'survivor' });
    const job: LeasedJob = {
      name: 'ledger job',
      everyMs: HOUR,
      run: () =>
        other.transaction(async (trx) => {
          for (let i = 0; i < rows; i++) await trx('ledger').insert({ entry: i });
        }),
    };
    expect(await survivor.tryRun(job)).toBe('heldElsewhere');
    clock.advance(60_000); // the dead node's lease (60 s) runs out
    expect(await survivor.tryRun(job)).toBe('ran');
    const entries = (await pg.db('ledger').orderBy('entry').pluck('entry')) as number[];
    expect(entries).toEqual(Array.from({ length: rows }, (_, i) => i));
    expect(await pg.db('job_leases').where({ name: 'ledger job' }).first()).toMatchObject({ leased_by: null, last_finished_at: new Date(Date.parse(START) + 60_000).toISOString() });
  });
});
