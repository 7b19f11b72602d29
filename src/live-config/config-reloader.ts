import { ConfigError } from '../config/load-config.js';
import type { FoyerConfig } from '../config/schema.js';
import type { NodeServices } from '../core/node-services.js';
import type { SharedServices } from '../core/shared-services.js';
import type { Generations, Served } from './generations.js';
import { changesNeedingRestart } from './restart-only.js';

/** What started a reload, in the log and the audit event. */
export type ReloadTrigger = 'SIGHUP' | 'foyer config reload' | 'test';

/** One node's answer to a reload: what it runs now and, when it kept the old config, why. */
export interface ReloadReport {
  node: string;
  result: 'applied' | 'unchanged' | 'rejected';
  /** The version the node runs after the reload (the old one when rejected). */
  version: string;
  /** The version of the file it read (undefined when the file could not be read at all). */
  fileVersion?: string;
  problems: string[];
}

/** A composition built for one config, with the services it was built on. */
export interface Built<C = unknown> extends Served {
  config: FoyerConfig;
  shared: SharedServices;
  composition: C;
}

/**
 * Re-reads the config and, when it is valid and every change can be applied live, builds the
 * features again from it and swaps them in (generations.ts); otherwise the node keeps serving the
 * config it has. Either way it says so: a log line, a metric, and (unless the files were unchanged)
 * a `config.reloaded` or `config.reloadRejected` audit event with the versions. One reload runs at a time per node.
 */
export function createConfigReloader<C>(deps: { node: NodeServices; generations: Generations<Built<C>>; readConfig: () => FoyerConfig; build: (config: FoyerConfig) => Promise<Built<C>> }): { reload(trigger: ReloadTrigger): Promise<ReloadReport> } {
  const { node, generations } = deps;
  let queue: Promise<unknown> = Promise.resolve();

  async function attempt(): Promise<ReloadReport> {
    const running = generations.current().config;
    const report = (result: ReloadReport['result'], problems: string[], fileVersion?: string): ReloadReport => ({ node: node.nodeId, result, version: generations.current().config.version, fileVersion, problems });
    // Storage closes under a stopping node: building on it would fail half-way.
    if (node.isShuttingDown()) return report('rejected', ['the node is shutting down']);
    let next: FoyerConfig;
    try {
      next = deps.readConfig();
    } catch (err) {
      return report('rejected', problemsOf(err));
    }
    const restart = changesNeedingRestart(running, next);
    if (restart.length) return report('rejected', restart, next.version);
    if (next.version === running.version) return report('unchanged', [], next.version);
    let built: Built<C>;
    try {
      built = await deps.build(next);
    } catch (err) {
      // A check that needs the directory (an access review of a group that does not exist) fails here.
      return report('rejected', problemsOf(err), next.version);
    }
    generations.swap(built);
    node.setLogLevel(next.server.logLevel);
    return report('applied', [], next.version);
  }

  async function tell(trigger: ReloadTrigger, previous: string, r: ReloadReport): Promise<void> {
    const { logger, metrics } = node;
    metrics.configReload(r.result);
    if (r.result === 'applied') {
      metrics.configLoaded(generations.current().config);
      logger.info({ trigger, version: r.version, previousVersion: previous }, `config reloaded: now serving version ${r.version} (was ${previous})`);
    } else if (r.result === 'unchanged') {
      logger.info({ trigger, version: r.version }, `config reload: the files are unchanged (version ${r.version})`);
    } else {
      logger.warn({ trigger, version: r.version, fileVersion: r.fileVersion, problems: r.problems }, `config reload rejected: still serving version ${r.version}: ${r.problems.join('; ')}`);
    }
    // Nothing changed, so nothing to audit: a flood of reload requests leaves no trail of no-ops.
    if (r.result === 'unchanged') return;
    // The audit log is on the composition that serves now (and so reaches its SIEM stream).
    await generations
      .current()
      .shared.audit.record({
        category: 'DirectoryManagement',
        activity: r.result === 'rejected' ? 'config.reloadRejected' : 'config.reloaded',
        result: r.result === 'rejected' ? 'failure' : 'success',
        resultReason: r.problems.join('\n').slice(0, 2000) || undefined,
        actor: { type: 'system', id: node.nodeId },
        target: { type: 'configuration', id: r.fileVersion ?? r.version },
        details: { trigger, result: r.result, node: node.nodeId, version: r.version, previousVersion: previous, fileVersion: r.fileVersion },
      })
      .catch((err: unknown) => logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not audit the config reload'));
  }

  return {
    reload(trigger) {
      const run = queue.then(async () => {
        const previous = generations.current().config.version;
        const r = await attempt().catch((err: unknown): ReloadReport => ({ node: node.nodeId, result: 'rejected', version: previous, problems: problemsOf(err) }));
        await tell(trigger, previous, r);
        return r;
      });
      queue = run.catch(() => undefined);
      return run;
    },
  };
}

function problemsOf(err: unknown): string[] {
  if (err instanceof ConfigError) return err.problems;
  return [err instanceof Error ? err.message : String(err)];
}
