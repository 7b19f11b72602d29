import type { Command } from 'commander';
import { listDirectoryAudits, type DirectoryAuditFilter } from '../audit/directory-audits.js';
import { CliError, withDatabase } from './cli-context.js';

export function auditCommands(program: Command): void {
  const audit = program.command('audit').description('the directory audit log');
  audit
    .command('list')
    .description('list audit entries, newest first (the same as GET /v1.0/auditLogs/directoryAudits)')
    .option('--activity <name>', "only this activity, e.g. 'Disable account'")
    .option('--target <id>', 'only entries about this user, group or app id')
    .option('--by <id>', 'only entries initiated by this user id')
    .option('--since <datetime>', 'only entries at or after this ISO date-time')
    .option('--top <n>', 'how many (1-1000)', '50')
    .option('--json', 'print JSON (Graph directoryAudit objects)')
    .action((opts: { activity?: string; target?: string; by?: string; since?: string; top: string; json?: boolean }) =>
      withDatabase(program.opts().config, async ({ db }) => {
        const top = Number(opts.top);
        if (!Number.isInteger(top) || top < 1 || top > 1000) throw new CliError('--top must be a whole number from 1 to 1000');
        if (opts.since !== undefined && Number.isNaN(Date.parse(opts.since))) throw new CliError('--since must be an ISO 8601 date and time');
        const filter: DirectoryAuditFilter = {
          ...(opts.activity ? { activityDisplayName: opts.activity } : {}),
          ...(opts.target ? { targetId: opts.target } : {}),
          ...(opts.by ? { initiatedByUserId: opts.by } : {}),
          ...(opts.since ? { after: new Date(opts.since).toISOString() } : {}),
        };
        const rows = await listDirectoryAudits(db, { top, skip: 0, filter });
        if (opts.json) return console.log(JSON.stringify(rows, null, 2));
        if (!rows.length) return console.log('no audit entries match');
        for (const r of rows) {
          const by = r.initiatedBy.user ? `user ${r.initiatedBy.user.id}` : r.initiatedBy.app?.appId ? `app ${r.initiatedBy.app.appId}` : (r.initiatedBy.app?.displayName ?? '-');
          const target = r.targetResources[0] ? `${r.targetResources[0].type} ${r.targetResources[0].id}` : '-';
          const extra = r.additionalDetails.map((d) => `${d.key}=${d.value}`).join(' ');
          console.log([r.activityDateTime, r.result.padEnd(7), r.activityDisplayName, `by ${by}`, `on ${target}`, extra].filter(Boolean).join('  '));
        }
      }),
    );
}
