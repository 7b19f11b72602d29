import type { Command } from 'commander';
import { AuditLog } from '../audit/audit-log.js';
import { KeyStore } from '../provider/keys/key-store.js';
import { withDatabase } from './cli-context.js';
import { printTable } from './table.js';

export function keysCommands(program: Command): void {
  const keys = program.command('keys').description('token signing keys');
  keys
    .command('list')
    .description('list signing keys (never prints private material)')
    .option('--json', 'print JSON')
    .action((opts: { json?: boolean }) =>
      withDatabase(program.opts().config, async ({ db }) => {
        const store = new KeyStore(db);
        await store.ensureKeys();
        const keys = (await store.list()).map((k) => ({ kid: k.kid, purpose: k.purpose, alg: k.alg, createdAt: k.created_at, retiredAt: k.retired_at ?? null, publishedUntil: k.retired_at ? k.expires_at : null }));
        if (opts.json) return console.log(JSON.stringify(keys, null, 2));
        printTable(['KID', 'PURPOSE', 'ALG', 'CREATED', 'STATE'], keys.map((k) => [k.kid, k.purpose, k.alg, k.createdAt, k.retiredAt ? `retired ${k.retiredAt}, published until ${k.publishedUntil}` : 'active']));
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
