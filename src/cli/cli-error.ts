/**
 * Raised for a mistake the operator can fix; printed without a stack trace, exit code 2. A file of
 * its own so that the CLI's entry recognises it without loading what commands use (cli-context.ts).
 */
export class CliError extends Error {}
