import type { Command } from 'commander';
import { loadConfig } from '../config/load-config.js';

export function configCommands(program: Command): void {
  const config = program.command('config').description('configuration');
  config
    .command('check')
    .description('validate the configuration without starting Foyer')
    .action(() => {
      const loaded = loadConfig(program.opts().config);
      console.log(`configuration is valid (${loaded.sourceFiles.length} file(s)): issuer ${loaded.issuer}, ${loaded.apps.length} app(s)`);
    });
}
