/**
 * The `foyer` command (src/cli/, package bin `foyer`): one command group per file (migrate, config
 * check, keys, users, roles, groups, apps, invitations, policy what-if, sign-ins, mfa), each building what
 * it needs from the same factories as the server (directory-services.ts,
 * invitation-service-factory.ts) on the configured database. The server's features never use it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { projectRoot } from '../lib/project-root.js';
import { ConfigError } from '../config/load-config.js';
import { CliError } from './cli-context.js';
import { configCommands } from './config-commands.js';
import { keysCommands } from './keys-commands.js';
import { migrateCommand } from './migrate-command.js';
import { usersCommands } from './users-commands.js';
import { invitationCommands } from './invitation-commands.js';
import { appsCommands } from './apps-commands.js';
import { groupsCommands } from './groups-commands.js';
import { policyCommands } from './policy-commands.js';
import { signInsCommands } from './sign-ins-commands.js';
import { mfaCommands } from './mfa-commands.js';
import { partnersCommands } from './partners-commands.js';
import { rolesCommands } from '../roles/roles-commands.js';
import { lifecycleCommands } from './lifecycle-commands.js';
import { auditCommands } from './audit-commands.js';
import { scimCommands } from './scim-commands.js';

function packageVersion(): string {
  return (JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { version: string }).version;
}

export function buildCli(): Command {
  const program = new Command('foyer')
    .description('Foyer: an OpenID Connect identity provider for guest access (B2B collaboration)')
    .version(packageVersion(), '-V, --version', 'print the version of Foyer')
    .option('-c, --config <path>', 'config file or directory (default: $FOYER_CONFIG or ./config)')
    .exitOverride()
    .showHelpAfterError();
  for (const add of [migrateCommand, configCommands, keysCommands, usersCommands, rolesCommands, groupsCommands, appsCommands, invitationCommands, policyCommands, partnersCommands, signInsCommands, mfaCommands, lifecycleCommands, auditCommands, scimCommands]) add(program);
  return program;
}

/** Runs the CLI; operator mistakes print one clear message and exit 2, never a stack trace. */
export async function runCli(argv: string[]): Promise<void> {
  try {
    await buildCli().parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : 2);
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78);
    }
    if (err instanceof CliError) {
      process.stderr.write(`error: ${err.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}
