/**
 * The `foyer` command (src/cli/, package bin `foyer`): one command group per file (migrate, config
 * check, keys, users, roles, groups, apps, invitations, policy what-if, sign-ins, mfa), each building what
 * it needs from the same factories as the server (directory-services.ts,
 * invitation-service-factory.ts) on the configured database. The server's features never use it.
 * command-index.ts lists them; a group's file is imported only when it runs.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError, Help } from 'commander';
import { projectRoot } from '../lib/project-root.js';
import { ConfigError } from '../config/config-error.js';
import { CliError } from './cli-error.js';
import { COMMANDS, commandNamed } from './command-index.js';

function packageVersion(): string {
  return (JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { version: string }).version;
}

/**
 * The program for this argv: the command it runs is loaded in full (its module, and what that
 * imports); every other command is only listed, by name and description (command-index.ts), so
 * `foyer --help` and `foyer --version` load no part of the app.
 */
export async function buildCli(argv: readonly string[] = process.argv): Promise<Command> {
  const program = new Command('foyer')
    .description('Foyer: an OpenID Connect identity provider for guest access (B2B collaboration)')
    .version(packageVersion(), '-V, --version', 'print the version of Foyer')
    .option('-c, --config <path>', 'config file or directory (default: $FOYER_CONFIG or ./config)')
    .exitOverride()
    .showHelpAfterError();
  const terms = new Map(COMMANDS.filter((c) => c.term).map((c) => [c.name, c.term!]));
  // A listed-only command has no arguments or options to show: the table says how to list it.
  program.configureHelp({
    subcommandTerm(this: Help, cmd) {
      return (cmd.parent === program && terms.get(cmd.name())) || Help.prototype.subcommandTerm.call(this, cmd);
    },
  });
  const wanted = commandNamed(argv);
  const register = wanted ? await wanted.load() : undefined;
  for (const entry of COMMANDS) {
    if (program.commands.some((c) => c.name() === entry.name)) continue; // registered by its module, with another entry
    if (register && entry.load === wanted!.load) {
      register(program);
      continue;
    }
    program
      .command(entry.name)
      .description(entry.description)
      // Never reached: commandNamed loads any command that runs. Fail loudly rather than do nothing.
      .allowUnknownOption()
      .allowExcessArguments()
      .action(() => {
        throw new Error(`the ${entry.name} command was not loaded`);
      });
  }
  return program;
}

/** Runs the CLI; operator mistakes print one clear message and exit 2, never a stack trace. */
export async function runCli(argv: string[]): Promise<void> {
  try {
    await (await buildCli(argv)).parseAsync(argv);
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
