/**
 * Thrown when configuration cannot be used; `problems` are one line each, ready to print. A file of
 * its own so that the CLI can recognise it without loading the config loader (zod, yaml) for `--help`.
 */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}
