/**
 * A node that claims the test job and dies in the middle of it: run as a child process (tsx), it
 * claims `ledger job` at the time given, writes half of the job's rows inside the job's transaction,
 * prints "midway" and waits for the parent's kill -9.
 */
import { connectDatabase } from '../../../src/db/connect.js';
import { createJobLeases } from '../../../src/core/job-leases.js';
import { manualClock } from '../../../src/lib/clock.js';

const [url, at, rows] = process.argv.slice(2) as [string, string, string];
const db = connectDatabase(url);
const leases = createJobLeases({ db, clock: manualClock(at), nodeId: 'doomed-node', leaseMs: 60_000 });

await leases.tryRun({
  name: 'ledger job',
  everyMs: 3_600_000,
  run: () =>
    db.transaction(async (trx) => {
      for (let i = 0; i < Number(rows) / 2; i++) await trx('ledger').insert({ entry: i });
      process.stdout.write('midway\n');
      await new Promise(() => {});
    }),
});
