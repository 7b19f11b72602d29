import type { Command } from 'commander';
import { z } from 'zod';
import { AuditLog } from '../audit/audit-log.js';
import { accessEnded } from '../directory/account-usable.js';
import { hashPassword } from '../directory/password-hash.js';
import type { User } from '../directory/user-model.js';
import { parseUserFilter as parseODataUserFilter } from '../api/odata.js';
import { IdentitiesRepository } from '../directory/identities-repository.js';
import { DuplicateEmailError, UsersRepository } from '../directory/users-repository.js';
import { HttpError } from '../http/http-error.js';
import { CLI_ACTOR, withDirectory } from './directory-cli.js';
import { CliError, withDatabase } from './cli-context.js';
import { readPassword } from './read-password.js';
import { resetPasswordCommand } from './reset-password-command.js';
import { printTable } from './table.js';

const MIN_PASSWORD = 12;

export function usersCommands(program: Command): void {
  const users = program.command('users').description('directory users');
  users
    .command('create')
    .description("create a member of the host organisation who signs in with a password (read from the terminal or stdin)")
    .requiredOption('--email <email>', 'the member\'s email address')
    .option('--name <displayName>', 'display name')
    .option('--admin', 'give the admin role', false)
    .action(async (opts: { email: string; name?: string; admin: boolean }) => {
      const email = z.email().safeParse(opts.email.trim());
      if (!email.success) throw new CliError(`"${opts.email}" is not a valid email address`);
      const password = await readPassword('Password: ');
      if (password.length < MIN_PASSWORD) throw new CliError(`the password must be at least ${MIN_PASSWORD} characters`);
      const passwordHash = await hashPassword(password);
      await withDatabase(program.opts().config, async ({ db }) => {
        const repo = new UsersRepository(db);
        try {
          const user = await db.transaction(async (trx) => {
            const created = await repo.create(
              { mail: email.data, displayName: opts.name, userType: 'Member', passwordHash, roles: opts.admin ? ['admin'] : [] },
              trx,
            );
            await new AuditLog(db).record(
              { category: 'UserManagement', activity: 'Add user', result: 'success', actor: { type: 'cli' }, target: { type: 'User', id: created.id }, details: { userType: 'Member', roles: created.roles } },
              trx,
            );
            return created;
          });
          console.log(`created member ${user.mail} (id ${user.id})${opts.admin ? ' with the admin role' : ''}`);
        } catch (err) {
          if (err instanceof DuplicateEmailError) throw new CliError(err.message);
          throw err;
        }
      });
    });
  resetPasswordCommand(users, program);
  users
    .command('list')
    .description('list users, oldest first')
    .option('--filter <odata>', `the API's $filter, e.g. "userType eq 'Guest' and externalUserState eq 'PendingAcceptance'"`)
    .option('--json', 'print JSON')
    .action((opts: { filter?: string; json?: boolean }) =>
      withDirectory(program.opts().config, async ({ directory }) => {
        const list = await directory.list(opts.filter === undefined ? {} : parseUserFilter(opts.filter), { top: 100_000 });
        if (opts.json) console.log(JSON.stringify(list, null, 2));
        else {
          const now = new Date();
          printTable(['ID', 'TYPE', 'STATE', 'EMAIL', 'NAME'], list.map((u) => [u.id, u.userType, !u.accountEnabled ? 'disabled' : accessEnded(u, now) ? 'access ended' : 'enabled', u.mail, u.displayName]), 'no users');
        }
      }),
    );

  users
    .command('show <user>')
    .description('one user (by email or id): state, identities, groups, app assignments')
    .option('--json', 'print JSON')
    .action((ref: string, opts: { json?: boolean }) =>
      withDirectory(program.opts().config, async (cli) => {
        const user = await cli.user(ref);
        const details = {
          ...user,
          identities: (await new IdentitiesRepository(cli.db).listForUser(user.id)).map((i) => ({ idpId: i.idpId, issuer: i.issuer, subject: i.subject, lastUsedDateTime: i.lastUsedDateTime })),
          memberOf: (await cli.groups.groupsOf('members', user.id)).map((g) => ({ id: g.id, displayName: g.displayName })),
          owns: (await cli.groups.groupsOf('owners', user.id)).map((g) => ({ id: g.id, displayName: g.displayName })),
          appAssignments: (await cli.assignments.listForPrincipal('User', user.id)).map((a) => a.appId),
        };
        if (opts.json) return console.log(JSON.stringify(details, null, 2));
        const state = stateOf(user, new Date());
        console.log(`${user.mail}  ${user.displayName}`);
        console.log(`  id ${user.id}, ${user.userType}, ${state}${user.roles.length ? `, roles: ${user.roles.join(', ')}` : ''}`);
        console.log(`  created ${user.createdDateTime}, last sign-in ${user.lastSignInDateTime ?? 'never'}`);
        if (user.accessExpiresAt) console.log(`  access ${accessEnded(user, new Date()) ? 'ended' : 'ends'} ${user.accessExpiresAt}`);
        for (const i of details.identities) console.log(`  signs in with ${i.idpId} (${i.issuer})`);
        if (details.memberOf.length) console.log(`  member of: ${details.memberOf.map((g) => g.displayName).join(', ')}`);
        if (details.owns.length) console.log(`  owner of: ${details.owns.map((g) => g.displayName).join(', ')}`);
        if (details.appAssignments.length) console.log(`  assigned to: ${details.appAssignments.join(', ')}`);
      }),
    );

  for (const [name, enabled] of [['disable', false], ['enable', true]] as const) {
    users
      .command(`${name} <user>`)
      .description(enabled ? 'let a disabled user sign in again' : 'stop a user signing in: ends their sessions and revokes their refresh tokens')
      .action((ref: string) =>
        withDirectory(program.opts().config, async (cli) => {
          const user = await cli.user(ref);
          await cli.lifecycle.update(user.id, { accountEnabled: enabled }, CLI_ACTOR);
          console.log(enabled ? `enabled ${user.mail}` : `disabled ${user.mail}; their sessions are ended and refresh tokens revoked`);
        }),
      );
  }

  users
    .command('delete <user>')
    .description('delete a user with their identities, memberships and assignments; ends their sessions')
    .option('--yes', 'confirm the deletion (it cannot be undone)', false)
    .action((ref: string, opts: { yes: boolean }) =>
      withDirectory(program.opts().config, async (cli) => {
        const user = await cli.user(ref);
        if (!opts.yes) throw new CliError(`this deletes ${user.mail} for good; add --yes to confirm`);
        await cli.lifecycle.delete(user.id, CLI_ACTOR);
        console.log(`deleted ${user.mail} (id ${user.id})`);
      }),
    );
}

/** The API's $filter parser, with its errors said as a CLI mistake. */
function parseUserFilter(raw: string) {
  try {
    return parseODataUserFilter(raw);
  } catch (err) {
    if (err instanceof HttpError) throw new CliError(`--filter: ${err.message}`);
    throw err;
  }
}

/**
 * What `users show` says of a user: disabled, access ended (from the end's instant, before the
 * expiry sweep disables the account: they can no longer sign in), or their invitation state.
 */
function stateOf(user: User, now: Date): string {
  if (!user.accountEnabled) return 'disabled';
  if (accessEnded(user, now)) return 'access ended';
  return user.externalUserState ?? 'enabled';
}
