import type { Command } from 'commander';
import { CliError } from '../cli/cli-context.js';
import { CLI_ACTOR, withDirectory } from '../cli/directory-cli.js';
import { DIRECTORY_ROLES, roleByName, type DirectoryRole } from './directory-roles.js';
import { RoleAssignments } from './role-assignments.js';
import { printTable } from '../cli/table.js';

const ROLE_NAMES = DIRECTORY_ROLES.map((r) => r.slug).join(', ');

function role(name: string): DirectoryRole {
  const found = roleByName(name);
  if (!found) throw new CliError(`no directory role "${name}"; use one of: ${ROLE_NAMES} (or a role id)`);
  return found;
}

/** `foyer roles …`: directory roles and who holds them (the API's /directoryRoles, from the terminal). */
export function rolesCommands(program: Command): void {
  const roles = program.command('roles').description(`directory roles (${ROLE_NAMES}): list, members, grant, revoke`);
  const config = () => program.opts().config as string | undefined;
  const withRoles = <T>(fn: (cli: Parameters<Parameters<typeof withDirectory>[1]>[0], roles: RoleAssignments) => Promise<T>) =>
    withDirectory(config(), (cli) => fn(cli, new RoleAssignments({ db: cli.db, users: cli.users, audit: cli.audit, allowGuests: cli.config.directoryRoles.allowGuests })));

  roles
    .command('list')
    .description('the directory roles, with how many hold each')
    .option('--json', 'print JSON')
    .action((opts: { json?: boolean }) =>
      withRoles(async (_cli, assignments) => {
        const rows = await Promise.all(DIRECTORY_ROLES.map(async (r) => ({ id: r.id, slug: r.slug, displayName: r.displayName, members: (await assignments.members(r)).length })));
        if (opts.json) return console.log(JSON.stringify(rows, null, 2));
        printTable(['ID', 'ROLE', 'MEMBERS', 'NAME'], rows.map((r) => [r.id, r.slug, r.members, r.displayName]));
      }),
    );

  roles
    .command('members <role>')
    .description('who holds a role')
    .option('--json', 'print JSON')
    .action((name: string, opts: { json?: boolean }) =>
      withRoles(async (_cli, assignments) => {
        const members = await assignments.members(role(name));
        if (opts.json) return console.log(JSON.stringify(members.map((u) => ({ id: u.id, mail: u.mail, userType: u.userType, accountEnabled: u.accountEnabled })), null, 2));
        printTable(['ID', 'TYPE', 'EMAIL'], members.map((u) => [u.id, u.userType, u.mail]), 'nobody holds this role');
      }),
    );

  roles
    .command('grant <role> <user>')
    .description('give a user (email or id) a directory role')
    .action((name: string, ref: string) =>
      withRoles(async (cli, assignments) => {
        const r = role(name);
        const user = await cli.user(ref);
        const added = await assignments.grant(r, user.id, CLI_ACTOR);
        console.log(added ? `${user.mail} now holds ${r.displayName}` : `${user.mail} already holds ${r.displayName}`);
      }),
    );

  roles
    .command('revoke <role> <user>')
    .description('take a directory role from a user (email or id)')
    .action((name: string, ref: string) =>
      withRoles(async (cli, assignments) => {
        const r = role(name);
        const user = await cli.user(ref);
        await assignments.revoke(r, user.id, CLI_ACTOR);
        console.log(`${user.mail} no longer holds ${r.displayName}`);
      }),
    );
}
