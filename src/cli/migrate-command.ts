import type { Command } from 'commander';
import { loadConfig } from '../config/load-config.js';
import { connectDatabase } from '../db/connect.js';
import { migrateLatest } from '../db/migrate.js';

export function migrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('apply pending database migrations')
    .action(async () => {
      const config = loadConfig(program.opts().config);
      const db = connectDatabase(config.storage.databaseUrl);
      try {
        const applied = await migrateLatest(db);
        console.log(applied.length ? `applied ${applied.length} migration(s): ${applied.join(', ')}` : 'the database is up to date');
      } finally {
        await db.destroy();
      }
    });
}
