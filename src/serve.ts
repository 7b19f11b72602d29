import { ConfigError, loadConfig } from './config/load-config.js';
import { createFoyer } from './app.js';
import { pidFilePath, writePidFile, writeReloadAnswer } from './live-config/pid-file.js';

/**
 * The server process (entered through main.ts): load config, build the app, listen, reload the
 * config on SIGHUP, and shut down cleanly on SIGTERM/SIGINT.
 */
async function main(): Promise<void> {
  // SIGHUP would end the process by default; until the node serves there is nothing to reload.
  const ignoreHangup = () => process.stderr.write('SIGHUP ignored: Foyer is still starting\n');
  process.on('SIGHUP', ignoreHangup);
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`Foyer cannot start: ${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  const foyer = await createFoyer(config);
  const { port } = await foyer.listen();
  foyer.logger.info({ issuer: config.issuer, port, storage: config.storage.databaseUrl.split(':')[0], redis: Boolean(config.storage.redisUrl), configVersion: config.version }, `Foyer is listening on port ${port} with config version ${config.version}; discovery at ${config.issuer}/.well-known/openid-configuration`);
  const pidFile = pidFilePath(config);
  const removePidFile = pidFile ? writePidFile(pidFile) : () => {};
  // Also on an exit nobody planned (an uncaught error); only SIGKILL or a power cut leave it behind.
  process.on('exit', removePidFile);
  // The reloader logs, counts and audits the outcome itself; a bad file leaves the node as it was.
  process.off('SIGHUP', ignoreHangup);
  process.on('SIGHUP', () =>
    void foyer
      .reloadOnSignal()
      .then((report) => pidFile && writeReloadAnswer(pidFile, report))
      .catch((err: unknown) => foyer.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not write the config reload answer')),
  );

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    foyer.logger.info({ signal }, 'shutting down: finishing in-flight requests');
    removePidFile();
    foyer.close().then(
      () => {
        foyer.logger.info('stopped');
        process.exit(0);
      },
      (err: unknown) => {
        foyer.logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`Foyer cannot start: ${message}\n`);
  process.exit(1);
});
