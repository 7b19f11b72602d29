import type { Command } from 'commander';
import type { GroupLink } from '../directory/groups-repository.js';
import { HttpError } from '../http/http-error.js';
import { CliError } from './cli-context.js';
import { CLI_ACTOR, withDirectory } from './directory-cli.js';
import { printTable } from './table.js';

const LINKS: Record<GroupLink, { one: string }> = { members: { one: 'member' }, owners: { one: 'owner' } };

/** `foyer groups …`: security groups, their members and owners (the API's /groups, from the terminal). */
export function groupsCommands(program: Command): void {
  const groups = program.command('groups').description('security groups, members and owners');
  const config = () => program.opts().config as string | undefined;

  groups
    .command('create')
    .description('create a group and print its id')
    .requiredOption('--name <displayName>', 'the group’s name')
    .option('--description <text>', 'what the group is for')
    .action((opts: { name: string; description?: string }) =>
      withDirectory(config(), async (cli) => {
        const name = opts.name.trim();
        if (!name || name.length > 256) throw new CliError('--name must be 1 to 256 characters');
        if (opts.description && opts.description.length > 1024) throw new CliError('--description must be at most 1024 characters');
        const group = await cli.groupService.create({ displayName: name, description: opts.description }, CLI_ACTOR);
        console.log(`created group ${group.displayName} (id ${group.id})`);
      }),
    );

  groups
    .command('list')
    .description('list groups with their member and owner counts')
    .option('--json', 'print JSON')
    .action((opts: { json?: boolean }) =>
      withDirectory(config(), async (cli) => {
        const list = await cli.groups.list({ top: 100_000, skip: 0 });
        const rows = await Promise.all(
          list.map(async (g) => ({ ...g, members: (await cli.groups.listLinked('members', g.id)).map((u) => u.mail), owners: (await cli.groups.listLinked('owners', g.id)).map((u) => u.mail) })),
        );
        if (opts.json) return console.log(JSON.stringify(rows, null, 2));
        printTable(['ID', 'NAME', 'MEMBERS', 'OWNERS'], rows.map((g) => [g.id, g.displayName, g.members.length, g.owners.join(', ')]), 'no groups');
      }),
    );

  for (const link of ['members', 'owners'] as const) {
    const { one } = LINKS[link];
    for (const op of ['add', 'remove'] as const) {
      groups
        .command(`${op}-${one} <group> <user>`)
        .description(`${op === 'add' ? 'add' : 'remove'} a user (email or id) ${op === 'add' ? 'to' : 'from'} the ${link} of a group (id or exact name)`)
        .action((groupRef: string, userRef: string) =>
          withDirectory(config(), async (cli) => {
            const group = await cli.group(groupRef);
            const user = await cli.user(userRef);
            try {
              if (op === 'add') await cli.groupService.add(link, group.id, user.id, CLI_ACTOR);
              else await cli.groupService.remove(link, group.id, user.id, CLI_ACTOR);
            } catch (err) {
              // Already one (add) or not one (remove): said the CLI's way, without the API's code.
              if (err instanceof HttpError && err.status < 500) throw new CliError(`${user.mail} is ${op === 'add' ? 'already' : 'not'} ${one === 'owner' ? 'an owner' : 'a member'} of ${group.displayName}`);
              throw err;
            }
            console.log(`${op === 'add' ? 'added' : 'removed'} ${user.mail} ${op === 'add' ? 'to' : 'from'} ${group.displayName} (${link})`);
          }),
        );
    }
  }

  groups
    .command('delete <group>')
    .description('delete a group, its memberships and its app assignments')
    .option('--yes', 'confirm the deletion', false)
    .action((ref: string, opts: { yes: boolean }) =>
      withDirectory(config(), async (cli) => {
        const group = await cli.group(ref);
        if (!opts.yes) throw new CliError(`this deletes the group ${group.displayName}; add --yes to confirm`);
        await cli.groupService.delete(group.id, CLI_ACTOR);
        console.log(`deleted group ${group.displayName}`);
      }),
    );
}
