import type { Command } from 'commander';
import type { PrincipalType } from '../directory/assignments-repository.js';
import { CliError } from './cli-context.js';
import { CLI_ACTOR, withDirectory, type DirectoryCli } from './directory-cli.js';
import { printTable } from './table.js';

interface PrincipalOptions {
  user?: string;
  group?: string;
  /** An app role's value or id; absent: plain access (the default role). */
  role?: string;
}

/** `foyer apps …`: the apps from config and who is assigned to them. */
export function appsCommands(program: Command): void {
  const apps = program.command('apps').description('apps (from config) and their user and group assignments');
  const config = () => program.opts().config as string | undefined;

  apps
    .command('list')
    .description('list the apps, whether they require assignment, and how many are assigned')
    .option('--json', 'print JSON')
    .action((opts: { json?: boolean }) =>
      withDirectory(config(), async (cli) => {
        const rows = await Promise.all(
          cli.config.apps.map(async (a) => ({ id: a.id, displayName: a.displayName, assignmentRequired: a.assignmentRequired, launchUrl: a.launchUrl ?? null, owners: a.owners, assignments: (await cli.assignments.listForApp(a.id)).length })),
        );
        if (opts.json) return console.log(JSON.stringify(rows, null, 2));
        printTable(['ID', 'NAME', 'ACCESS', 'ASSIGNMENTS'], rows.map((a) => [a.id, a.displayName, a.assignmentRequired ? 'assignment required' : 'open to all', a.assignments]), 'no apps are configured');
      }),
    );

  apps
    .command('assignments <app>')
    .description('who is assigned to an app')
    .option('--json', 'print JSON')
    .action((appId: string, opts: { json?: boolean }) =>
      withDirectory(config(), async (cli) => {
        const app = cli.appAssignments.requireApp(appId);
        const list = await Promise.all((await cli.assignments.listForApp(app.id)).map((a) => cli.appAssignments.describe(a)));
        if (opts.json) return console.log(JSON.stringify(list, null, 2));
        printTable(['ID', 'TYPE', 'NAME', 'PRINCIPAL ID', 'ROLE'], list.map((a) => [a.id, a.principalType, a.principalDisplayName, a.principalId, a.appRoleValue]), 'no assignments');
      }),
    );

  for (const op of ['assign', 'unassign'] as const) {
    apps
      .command(`${op} <app>`)
      .description(op === 'assign' ? 'give a user or a group access to an app' : 'take a user’s or group’s assignment to an app away')
      .option('--user <user>', 'a user (email or id)')
      .option('--group <group>', 'a group (id or exact name)')
      .option('--role <role>', 'an app role of the app (its value or id; default: plain access)')
      .action((appId: string, opts: PrincipalOptions) =>
        withDirectory(config(), async (cli) => {
          const app = cli.appAssignments.requireApp(appId);
          const principal = await principalOf(cli, opts);
          const role = cli.appAssignments.requireRole(app, opts.role);
          const as = role ? ` as ${role.value}` : '';
          if (op === 'assign') {
            await cli.appAssignments.assign(app.id, principal, CLI_ACTOR, undefined, undefined, { appRoleId: role?.id });
            console.log(`assigned ${principal.name} to ${app.displayName}${as}`);
            return;
          }
          const existing = await cli.assignments.find(app.id, principal.type, principal.id, undefined, role?.id);
          if (!existing) throw new CliError(`${principal.name} is not assigned to ${app.displayName}${as}`);
          await cli.appAssignments.unassign(existing.id, { appId: app.id }, CLI_ACTOR);
          console.log(`unassigned ${principal.name} from ${app.displayName}${as}`);
        }),
      );
  }
}

async function principalOf(cli: DirectoryCli, opts: PrincipalOptions): Promise<{ type: PrincipalType; id: string; name: string }> {
  if (Boolean(opts.user) === Boolean(opts.group)) throw new CliError('give exactly one of --user or --group');
  if (opts.user) {
    const user = await cli.user(opts.user);
    return { type: 'User', id: user.id, name: user.mail };
  }
  const group = await cli.group(opts.group!);
  return { type: 'Group', id: group.id, name: `group ${group.displayName}` };
}
