import { Command, Help } from 'commander';
import { describe, expect, it } from 'vitest';
import { COMMANDS, commandNamed } from '../../src/cli/command-index.js';

/** `foyer --help` lists the commands from the table: each entry must say what its module registers. */
describe('the command table matches the command modules', () => {
  for (const entry of COMMANDS) {
    it(entry.name, async () => {
      const program = new Command('foyer');
      (await entry.load())(program);
      const command = program.commands.find((c) => c.name() === entry.name);
      expect(command, `${entry.name} is registered by its module`).toBeDefined();
      expect(entry.description).toBe(command!.description());
      expect(entry.term ?? entry.name).toBe(new Help().subcommandTerm(command!));
    });
  }

  it('every top-level command a module registers is in the table', async () => {
    const program = new Command('foyer');
    for (const load of new Set(COMMANDS.map((c) => c.load))) (await load())(program);
    expect(program.commands.map((c) => c.name())).toEqual(COMMANDS.map((c) => c.name));
  });

  it('finds the command an argv runs, past the program options', () => {
    const named = (...args: string[]) => commandNamed(['node', 'foyer', ...args])?.name;
    expect(named('--help')).toBeUndefined();
    expect(named('users', 'list')).toBe('users');
    expect(named('-c', 'config', 'keys', 'list')).toBe('keys');
    expect(named('--config', 'users', 'migrate')).toBe('migrate');
    expect(named('--config=x', 'sign-ins')).toBe('sign-ins');
    expect(named('help', 'invite')).toBe('invite');
    expect(named('frobnicate')).toBeUndefined();
  });
});
