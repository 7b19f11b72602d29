/**
 * A node that applies an ended access review and dies in the middle: run as a child process (tsx),
 * it builds the directory's services and the review runner as a Foyer node does, claims the
 * review job under a 60-second lease at the time given, and stops for the parent's kill -9 at one
 * of two places, printing "midway":
 * - `inTransaction`: inside the transaction of the second denied decision (guest disabled, audit
 *   entry being written, nothing committed);
 * - `afterCommit`: after the second denied decision committed, before its sessions are ended.
 */
import { AuditLog, type AuditEntry } from '../../../src/audit/audit-log.js';
import type { AppConfig } from '../../../src/config/apps-schema.js';
import type { AccessReviewConfig } from '../../../src/config/access-reviews-schema.js';
import { createJobLeases } from '../../../src/core/job-leases.js';
import { connectDatabase, type Database } from '../../../src/db/connect.js';
import { createDirectoryServices } from '../../../src/directory/directory-services.js';
import { UsersRepository } from '../../../src/directory/users-repository.js';
import { manualClock } from '../../../src/lib/clock.js';
import type { LifecycleMail } from '../../../src/lifecycle/lifecycle-mail.js';
import { createLogs } from '../../../src/logging/logger.js';
import { createAdapterFactory } from '../../../src/provider/adapters/index.js';
import { ReviewRunner } from '../../../src/reviews/review-runner.js';

const [url, at, stopAt, reviewJson, appsJson] = process.argv.slice(2) as [string, string, 'inTransaction' | 'afterCommit', string, string];
const db = connectDatabase(url);
const clock = manualClock(at);
const apps = JSON.parse(appsJson) as AppConfig[];
const halt = (): Promise<never> => {
  process.stdout.write('midway\n');
  return new Promise<never>(() => {});
};

class HaltingAudit extends AuditLog {
  private disabled = 0;
  override async record(entry: AuditEntry, trx?: Database): Promise<void> {
    if (stopAt === 'inTransaction' && entry.activity === 'Disable account' && ++this.disabled === 2) await halt();
    return super.record(entry, trx);
  }
}

const audit = new HaltingAudit(db);
const users = new UsersRepository(db);
const directory = createDirectoryServices({ db, config: { apps, delegatedManagement: { appOwnersCanInvite: false, groupOwnersCanInvite: false } }, users, audit, adapters: createAdapterFactory({ db }), clock });
if (stopAt === 'afterCommit') {
  const revokeAll = directory.sessions.revokeAll.bind(directory.sessions);
  let calls = 0;
  directory.sessions.revokeAll = (accountId, reason) => (++calls === 2 ? halt() : revokeAll(accountId, reason));
}
const runner = new ReviewRunner({
  db,
  clock,
  reviews: [JSON.parse(reviewJson) as AccessReviewConfig],
  apps,
  audit,
  assignments: directory.assignments,
  appAssignments: directory.appAssignments,
  lifecycle: directory.lifecycle,
  mail: { send: async () => true } as unknown as LifecycleMail, // applying sends no mail
  issuer: 'http://127.0.0.1:1',
  tenantName: 'Contoso',
  logger: createLogs('silent').logger,
});
await createJobLeases({ db, clock, nodeId: 'doomed-node', leaseMs: 60_000 }).tryRun({ name: 'lifecycle: access reviews', everyMs: 15 * 60_000, run: () => runner.run() });
process.stdout.write('finished\n');
await db.destroy();
