import type { Command } from 'commander';
import { AuditLog } from '../audit/audit-log.js';
import { KeyStore } from '../provider/keys/key-store.js';
import { withDatabase } from './cli-context.js';

export function keysCommands(program: Command): void {
  const keys = program.command('keys').description('token signing keys');
  keys
    .command('list')
    .description('list signing keys (never prints private material)')
    .action(() =>
      withDatabase(program.opts().config, async ({ db }) => {
        const store = new KeyStore(db);
        await store.ensureKeys();
        for (const k of await store.list()) {
          const state = k.retired_at ? `retired ${k.retired_at}, published until ${k.expires_at}` : 'active';
          console.log(`${k.kid}  ${k.purpose.padEnd(6)} ${k.alg.padEnd(6)} created ${k.created_at}  ${state}`);
        }
      }),
    );
  keys
    .command('rotate')
    .description('add new signing keys; the old ones stay in JWKS until tokens they signed have expired')
    .action(() =>
      withDatabase(program.opts().config, async ({ db, config }) => {
        const store = new KeyStore(db);
        await store.ensureKeys();
        const { added, retired } = await store.rotate(config.keys.retiredKeyTtlSeconds);
        await new AuditLog(db).record({
          category: 'KeyManagement',
          activity: 'Rotate signing keys',
          result: 'success',
          actor: { type: 'cli' },
          details: { added, retired },
        });
        console.log(`added ${added.join(', ')}; retired ${retired.join(', ') || 'none'} (published for ${config.keys.retiredKeyTtlSeconds} s more)`);
        console.log(`running nodes publish them within server.keysReloadSeconds (${config.server.keysReloadSeconds} s) and sign with them after server.keysPrePublishSeconds; or restart running Foyer nodes to sign with the new keys at once`);
      }),
    );
}
