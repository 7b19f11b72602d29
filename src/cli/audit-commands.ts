import type { Command } from 'commander';
import { listDirectoryAudits, type DirectoryAuditFilter } from '../audit/directory-audits.js';
import { CliError, withDatabase } from './cli-context.js';
import { printTable } from './table.js';
import { resolveUser } from './user-ref.js';
import { UsersRepository } from '../directory/users-repository.js';

export function auditCommands(program: Command): void {
  const audit = program.command('audit').description('the directory audit log');
  audit
    .command('list')
    .description('list audit entries, newest first (the same as GET /v1.0/auditLogs/directoryAudits)')
    .option('--activity <name>', "only this activity, e.g. 'Disable account'")
    .option('--target <id>', 'only entries about this user (email or id), group or app id')
    .option('--by <user>', 'only entries initiated by this user (email or id)')
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
          ...(opts.target ? { targetId: opts.target.includes('@') ? (await resolveUser(new UsersRepository(db), opts.target)).id : opts.target } : {}),
          ...(opts.by ? { initiatedByUserId: (await resolveUser(new UsersRepository(db), opts.by)).id } : {}),
          ...(opts.since ? { after: new Date(opts.since).toISOString() } : {}),
        };
        const rows = await listDirectoryAudits(db, { top, skip: 0, filter });
        if (opts.json) return console.log(JSON.stringify(rows, null, 2));
        const table = rows.map((r) => {
          const by = r.initiatedBy.user ? `user ${r.initiatedBy.user.id}` : r.initiatedBy.app?.appId ? `app ${r.initiatedBy.app.appId}` : r.initiatedBy.app?.displayName;
          const target = r.targetResources[0] ? `${r.targetResources[0].type} ${r.targetResources[0].id}` : undefined;
          return [r.activityDateTime, r.result, r.activityDisplayName, by, target, r.additionalDetails.map((d) => `${d.key}=${d.value}`).join(' ')];
        });
        printTable(['TIME', 'RESULT', 'ACTIVITY', 'BY', 'TARGET', 'DETAILS'], table, 'no audit entries match');
      }),
    );
}
