import type { Command } from 'commander';
import { DIRECTORY_ROLES } from '../roles/directory-roles.js';

/** Registers one command module's commands on the program (the `…Commands(program)` functions). */
export type RegisterCommands = (program: Command) => void;

export interface CommandEntry {
  /** The top-level command's name, as typed. */
  name: string;
  /** How `foyer --help` lists it: its arguments and whether it takes options, as commander would print them. */
  term?: string;
  description: string;
  /** Imports the module that defines the command (with its subcommands, options and actions) only when it runs; entries of one module share it. */
  load: () => Promise<RegisterCommands>;
}

/** One module defines both `invite` and `invitations`: both entries share its loader. */
const invitationCommands = async () => (await import('./invitation-commands.js')).invitationCommands;

/**
 * Every top-level command of `foyer`, in the order `foyer --help` lists them. `--help` and
 * `--version` read this table and nothing else: a command's module (and with it config, database
 * and services) is imported only when that command runs or its own help is asked for (issue 20:
 * `foyer --help` must not load the app). test/cli/command-index.test.ts checks that each entry
 * matches what its module registers.
 */
export const COMMANDS: readonly CommandEntry[] = [
  { name: 'migrate', description: 'apply pending database migrations', load: async () => (await import('./migrate-command.js')).migrateCommand },
  { name: 'config', description: 'configuration', load: async () => (await import('./config-commands.js')).configCommands },
  { name: 'keys', description: 'token signing keys', load: async () => (await import('./keys-commands.js')).keysCommands },
  { name: 'users', description: 'directory users', load: async () => (await import('./users-commands.js')).usersCommands },
  {
    name: 'roles',
    description: `directory roles (${DIRECTORY_ROLES.map((r) => r.slug).join(', ')}): list, members, grant, revoke`,
    load: async () => (await import('../roles/roles-commands.js')).rolesCommands,
  },
  { name: 'groups', description: 'security groups, members and owners', load: async () => (await import('./groups-commands.js')).groupsCommands },
  { name: 'apps', description: 'apps (from config) and their user and group assignments', load: async () => (await import('./apps-commands.js')).appsCommands },
  {
    name: 'invite',
    term: 'invite [options] [email]',
    description: 'invite a guest by email and print the redeem URL; or, with --csv, every guest of a CSV file',
    load: invitationCommands,
  },
  { name: 'invitations', description: 'pending and past invitations', load: invitationCommands },
  { name: 'policy', description: 'conditional access policies (config: conditionalAccess)', load: async () => (await import('./policy-commands.js')).policyCommands },
  {
    name: 'partners',
    description: 'partner organisations and their cross-tenant access settings (config: partners, partnerDefaults)',
    load: async () => (await import('./partners-commands.js')).partnersCommands,
  },
  { name: 'sign-ins', description: 'the sign-in log', load: async () => (await import('./sign-ins-commands.js')).signInsCommands },
  { name: 'mfa', description: 'multi-factor authentication (TOTP)', load: async () => (await import('./mfa-commands.js')).mfaCommands },
  { name: 'lifecycle', description: 'the guest lifecycle: expiry, inactivity, clean-up', load: async () => (await import('./lifecycle-commands.js')).lifecycleCommands },
  { name: 'audit', description: 'the directory audit log', load: async () => (await import('./audit-commands.js')).auditCommands },
  { name: 'scim', description: 'SCIM 2.0 provisioning clients (/scim/v2)', load: async () => (await import('./scim-commands.js')).scimCommands },
];

/**
 * The top-level command an argv runs (or asks help for: `foyer help users`), if any: the first
 * operand, skipping the program's own options (`-c/--config` takes a value).
 */
export function commandNamed(argv: readonly string[]): CommandEntry | undefined {
  const args = argv.slice(2);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') return undefined;
    if (arg === '-c' || arg === '--config') {
      i++;
      continue;
    }
    if (arg.startsWith('-')) continue;
    const name = arg === 'help' ? args[i + 1] : arg;
    return COMMANDS.find((c) => c.name === name);
  }
  return undefined;
}
