import type { Command } from 'commander';
import { manualClock } from '../lib/clock.js';
import { expiryDue } from '../lifecycle/expiry-sweep.js';
import { inactivityDue } from '../lifecycle/inactivity-sweep.js';
import { CliError, withDatabase } from './cli-context.js';
import { printTable } from './table.js';

/** One line of the plan: what would happen to whom, and why. */
export interface PlannedStep {
  action: 'notifyExpiry' | 'removeAssignment' | 'disableExpired' | 'notifyInactive' | 'disableInactive' | 'deleteInactive' | 'deletePending';
  userId: string;
  mail: string;
  appId?: string;
  reason: string;
}

export function lifecycleCommands(program: Command): void {
  const lifecycle = program.command('lifecycle').description('the guest lifecycle: expiry, inactivity, clean-up');
  lifecycle
    .command('plan')
    .description('dry run: what the lifecycle sweeps would do now (or at --at), and to whom; changes nothing')
    .option('--at <datetime>', 'plan for this moment instead of now (ISO 8601)')
    .option('--json', 'print JSON')
    .action((opts: { at?: string; json?: boolean }) =>
      withDatabase(program.opts().config, async ({ config, db }) => {
        const at = opts.at ?? new Date().toISOString();
        if (Number.isNaN(Date.parse(at))) throw new CliError('--at must be an ISO 8601 date and time, e.g. 2027-06-30T00:00:00Z');
        const clock = manualClock(at);
        const expiry = await expiryDue(db, clock, config.lifecycle.expiry);
        const mails = new Map<string, string>((await db('users').select('id', 'mail')).map((u: { id: string; mail: string }) => [u.id, u.mail]));
        const steps: PlannedStep[] = [
          ...expiry.notices.map((e): PlannedStep => ({ action: 'notifyExpiry', userId: e.userId, mail: mails.get(e.userId) ?? '-', appId: e.appId, reason: `${e.appId ? `assignment to ${e.appId}` : 'access'} ends ${e.endsAt}: sponsors get the extend link` })),
          ...expiry.ends.map((e): PlannedStep => ({ action: e.kind === 'assignment' ? 'removeAssignment' : 'disableExpired', userId: e.userId, mail: mails.get(e.userId) ?? '-', appId: e.appId, reason: `${e.appId ? `assignment to ${e.appId}` : 'access'} ended ${e.endsAt}` })),
          ...(await inactivityDue(db, clock, config.lifecycle)).map((i): PlannedStep => ({
            action: ({ notify: 'notifyInactive', disable: 'disableInactive', delete: 'deleteInactive', deletePending: 'deletePending' } as const)[i.action],
            userId: i.userId,
            mail: i.mail,
            reason: i.action === 'deletePending' ? `invited ${i.lastActivity}, never redeemed` : `last activity ${i.lastActivity}${i.action === 'notify' ? `; disabled on ${i.at}` : ''}`,
          })),
        ];
        if (opts.json) return console.log(JSON.stringify({ at: new Date(at).toISOString(), steps }, null, 2));
        console.log(`lifecycle plan at ${new Date(at).toISOString()} (nothing is changed)`);
        printTable(['ACTION', 'EMAIL', 'REASON'], steps.map((s) => [s.action, s.mail, s.reason]), 'nothing to do');
      }),
    );
}
