import type { Command } from 'commander';
import type { GroupLink } from '../directory/groups-repository.js';
import { CliError } from './cli-context.js';
import { CLI_ACTOR, withDirectory } from './directory-cli.js';
import { printTable } from './table.js';

const LINKS: Record<GroupLink, { one: string; added: string; removed: string }> = {
  members: { one: 'member', added: 'Add member to group', removed: 'Remove member from group' },
  owners: { one: 'owner', added: 'Add owner to group', removed: 'Remove owner from group' },
};

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
        const group = await cli.db.transaction(async (trx) => {
          const created = await cli.groups.create({ displayName: name, description: opts.description }, trx);
          await cli.audit.record({ category: 'GroupManagement', activity: 'Add group', result: 'success', actor: CLI_ACTOR, target: { type: 'Group', id: created.id }, details: { displayName: created.displayName } }, trx);
          return created;
        });
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
            await cli.db.transaction(async (trx) => {
              const changed = op === 'add' ? await cli.groups.addLink(link, group.id, user.id, trx) : await cli.groups.removeLink(link, group.id, user.id, trx);
              if (!changed) throw new CliError(`${user.mail} is ${op === 'add' ? 'already' : 'not'} ${one === 'owner' ? 'an owner' : 'a member'} of ${group.displayName}`);
              await cli.audit.record({ category: 'GroupManagement', activity: op === 'add' ? LINKS[link].added : LINKS[link].removed, result: 'success', actor: CLI_ACTOR, target: { type: 'Group', id: group.id }, details: { userId: user.id } }, trx);
            });
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
        await cli.db.transaction(async (trx) => {
          const unassigned = await cli.assignments.removeForPrincipal('Group', group.id, trx);
          await cli.groups.delete(group.id, trx);
          await cli.audit.record({ category: 'GroupManagement', activity: 'Delete group', result: 'success', actor: CLI_ACTOR, target: { type: 'Group', id: group.id }, details: { displayName: group.displayName, appAssignmentsRemoved: unassigned } }, trx);
        });
        console.log(`deleted group ${group.displayName}`);
      }),
    );
}
