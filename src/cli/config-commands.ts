import type { Command } from 'commander';
import { configWarnings } from '../config/config-audit.js';
import { loadConfig } from '../config/load-config.js';

export function configCommands(program: Command): void {
  const config = program.command('config').description('configuration');
  config
    .command('check')
    .description('validate the configuration without starting Foyer, and print what deserves a second look')
    .action(() => {
      const loaded = loadConfig(program.opts().config);
      console.log(`configuration is valid (${loaded.sourceFiles.length} file(s)): issuer ${loaded.issuer}, ${loaded.apps.length} app(s)`);
      // The same warnings the console's configuration pages show.
      for (const w of configWarnings(loaded)) console.log(`warning: ${w.section}${w.id ? ` ${w.id}` : ''}: ${w.message}`);
    });
}
