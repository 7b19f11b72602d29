import { pino, type Logger } from 'pino';

/** The fixed fields of the one line logged when a request ends (request-context.ts). */
export interface RequestLine {
  requestId: string;
  method: string;
  path: string;
  status: number;
  ms: number;
}

/** Where request lines go; `level` follows the node's log level (lines are `info`). */
export interface RequestLog {
  level: string;
  write(line: RequestLine): void;
}

const INFO = pino.levels.values.info!;
const enabledAt = (level: string) => (pino.levels.values[level] ?? Number.POSITIVE_INFINITY) <= INFO;

/**
 * The request line as pino writes it for Foyer's `requests` logger (level, ISO time, `service`,
 * the fields, `msg`), built from a template instead of through pino: the line's fields are fixed,
 * so pino's serialisation, hooks and per-call timestamp formatting bought nothing here, and under
 * a token-request load they were the largest share of the edge's cost (docs/benchmarks.md). Lines
 * go to the same stream as the other logger's, in the order they are written.
 */
export function preformattedRequestLog(level: string, destination: { write(chunk: string): unknown }): RequestLog {
  let enabled = enabledAt(level);
  let current = level;
  // Most lines within one millisecond share the timestamp's text.
  let stampMs = -1;
  let stamp = '';
  return {
    get level() {
      return current;
    },
    set level(next: string) {
      current = next;
      enabled = enabledAt(next);
    },
    write(line) {
      if (!enabled) return;
      const now = Date.now();
      if (now !== stampMs) {
        stampMs = now;
        stamp = new Date(now).toISOString();
      }
      // JSON.stringify on the strings: a path or method is whatever the client sent.
      destination.write(
        `{"level":30,"time":"${stamp}","service":"foyer","requestId":${JSON.stringify(line.requestId)},"method":${JSON.stringify(line.method)},"path":${JSON.stringify(line.path)},"status":${line.status},"ms":${line.ms},"msg":"request"}\n`,
      );
    },
  };
}

/** Request lines through a pino logger (a test's, which collects every line of the node). */
export function requestLogThrough(logger: Logger): RequestLog {
  return {
    get level() {
      return logger.level;
    },
    set level(next: string) {
      logger.level = next;
    },
    write: (line) => logger.info(line, 'request'),
  };
}
