/**
 * Storage outages become an honest 503 instead of a 500 "server_error" or a hung request.
 *
 * oidc-provider's error handler (lib/shared/error_handler.js + lib/helpers/err_out.js) renders
 * `{ error: err.message, error_description: err.error_description }` with status `err.statusCode`
 * when `err.expose` is true, so this class only has to carry those fields.
 */
export class StorageUnavailableError extends Error {
  readonly statusCode = 503;
  readonly status = 503; // Koa's own error handling reads `status`
  readonly expose = true;
  readonly error = 'temporarily_unavailable';
  readonly error_description = 'storage is unavailable, try again shortly';
  /**
   * What failed, as a short code (e.g. ECONNREFUSED, KnexTimeoutError). The original error is not
   * kept: knex prefixes query errors with the SQL and its bindings, which can hold tokens.
   */
  readonly reason: string;

  constructor(reason: string) {
    super('temporarily_unavailable');
    this.name = 'StorageUnavailableError';
    this.reason = reason;
  }
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN',
]);

// PostgreSQL SQLSTATEs meaning "the server cannot serve you right now": class 08 (connection
// exception) is matched by prefix; these are the others.
const PG_UNAVAILABLE = new Set(['57P01', '57P02', '57P03', '53300']);

// Unanchored at the start where knex may have prefixed the message with the failed query.
const MESSAGE_PATTERNS: RegExp[] = [
  /^Knex: Timeout acquiring a connection/, // pool exhausted or database unreachable
  /Connection terminated/, // pg: "unexpectedly" or "due to connection timeout"
  /timeout expired$/, // pg connectionTimeoutMillis
  /^Connection is closed\.?$/, // ioredis after disconnect/quit
  /^Stream isn't writeable/, // ioredis with the offline queue off
  /^Reached the max retries per request limit/, // ioredis MaxRetriesPerRequestError
  /^Command timed out$/, // ioredis commandTimeout
  /Client has encountered a connection error and is not queryable$/, // pg after a socket error
];

/** The short code of a connection-level failure, or undefined when `err` is anything else. */
export function storageFailureReason(err: unknown, depth = 0): string | undefined {
  if (!(err instanceof Error) || depth > 3) return undefined;
  const { code, name } = err as Error & { code?: unknown };
  if (typeof code === 'string') {
    if (NETWORK_CODES.has(code)) return code;
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('08') || PG_UNAVAILABLE.has(code)) return code;
  }
  if (name === 'KnexTimeoutError' || name === 'MaxRetriesPerRequestError') return name;
  if (MESSAGE_PATTERNS.some((re) => re.test(err.message))) return name === 'Error' ? 'connection' : name;
  // Node's happy-eyeballs connect reports every address tried in an AggregateError.
  if (err instanceof AggregateError) {
    for (const inner of err.errors) {
      const reason = storageFailureReason(inner, depth + 1);
      if (reason) return reason;
    }
  }
  return storageFailureReason(err.cause, depth + 1);
}

/** Runs a storage call, turning connection-level failures into StorageUnavailableError. */
export async function guardStorage<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const reason = storageFailureReason(err);
    if (reason) throw new StorageUnavailableError(reason);
    throw err;
  }
}
