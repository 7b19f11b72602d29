import type { Command } from 'commander';
import { configWarnings } from '../config/config-audit.js';
import { loadConfig } from '../config/load-config.js';
import type { FoyerConfig } from '../config/schema.js';
import { reloadRequestKeyFromDatabase } from '../live-config/cli-signing-key.js';
import type { ReloadReport } from '../live-config/config-reloader.js';
import { requestReload } from '../live-config/reload-channel.js';
import { reloadBySignal } from '../live-config/reload-by-signal.js';
import { CliError } from './cli-context.js';

export function configCommands(program: Command): void {
  const config = program.command('config').description('configuration');
  config
    .command('check')
    .description('validate the configuration without starting Foyer, and print what deserves a second look')
    .action(() => {
      const loaded = loadConfig(program.opts().config);
      console.log(`configuration is valid (${loaded.sourceFiles.length} file(s)): issuer ${loaded.issuer}, ${loaded.apps.length} app(s), version ${loaded.version}`);
      // The same warnings the console's configuration pages show.
      for (const w of configWarnings(loaded)) console.log(`warning: ${w.section}${w.id ? ` ${w.id}` : ''}: ${w.message}`);
    });
  config
    .command('reload')
    .description('validate the configuration, then have the running nodes apply it without a restart (every node through Redis; else the local server, by its pid file)')
    .option('--timeout <seconds>', 'how long to wait for the nodes to answer', '30')
    .action(async (opts: { timeout: string }) => {
      // A file that does not validate here is never sent: the nodes keep serving, nothing is asked of them.
      const loaded = loadConfig(program.opts().config);
      const timeoutMs = Math.max(1, Number(opts.timeout) || 30) * 1000;
      console.log(`configuration is valid: version ${loaded.version}`);
      const { asked, reports } = await (loaded.storage.redisUrl ? reloadOverRedis(loaded, loaded.storage.redisUrl, timeoutMs) : reloadBySignal(loaded, timeoutMs)).catch((err: unknown) => {
        throw new CliError(err instanceof Error ? err.message : String(err));
      });
      if (asked === 0) throw new CliError(`no running node of ${loaded.issuer} listens for reload requests (is Foyer running, with this issuer and this Redis?)`);
      for (const r of reports.sort((a, b) => a.node.localeCompare(b.node))) console.log(describeReport(r));
      const rejected = reports.filter((r) => r.result === 'rejected').length;
      if (rejected) throw new CliError(`${rejected} of ${asked} node(s) kept their running config (see the reasons above)`);
      if (reports.length < asked) throw new CliError(`${asked - reports.length} of ${asked} node(s) did not answer within ${timeoutMs / 1000} s; their log says what they did`);
    });
}

async function reloadOverRedis(config: FoyerConfig, redisUrl: string, timeoutMs: number): Promise<{ asked: number; reports: ReloadReport[] }> {
  return requestReload(redisUrl, config.issuer, timeoutMs, await reloadRequestKeyFromDatabase(config));
}

function describeReport(r: ReloadReport): string {
  if (r.result === 'applied') return `node ${r.node}: applied, now serving version ${r.version}`;
  if (r.result === 'unchanged') return `node ${r.node}: unchanged, serving version ${r.version}`;
  return `node ${r.node}: rejected, still serving version ${r.version}:\n  ${r.problems.join('\n  ')}`;
}
