import { pino, type Logger } from 'pino';
import { preformattedRequestLog, type RequestLog } from './request-log.js';

export type { Logger };

/**
 * Foyer's two loggers, writing to one stream: `logger` for everything, and `requests` for the one
 * line per request. Redaction is a second line of defence on `logger`: code must not log secrets
 * in the first place, but a header or body that slips into a log line is censored there. Request
 * lines hold only fixed, safe fields (id, method, path without query, status, duration), so they
 * skip the redaction pass, which cost more than the rest of the line on a token request, and are
 * written from a template in pino's format (request-log.ts).
 */
export interface Logs {
  logger: Logger;
  requests: RequestLog;
}

const REDACT = {
  paths: [
    'req.headers.authorization',
    'req.headers.cookie',
    'res.headers["set-cookie"]',
    '*.password',
    '*.client_secret',
    '*.clientSecret',
    '*.private_jwk',
    '*.code',
    '*.refresh_token',
    '*.access_token',
    '*.id_token',
  ],
  censor: '[redacted]',
};

/** Lines are written in batches of this many bytes, or after FLUSH_MS, whichever comes first. */
const BATCH_BYTES = 4096;
const FLUSH_MS = 1000;

/**
 * Without a destination, lines go to stdout asynchronously in batches: a token request's log line
 * written on its own cost a write(2) through libuv's thread pool per request, a measurable share
 * of the request (docs/benchmarks.md). A quiet node still shows each line within FLUSH_MS, and
 * pino flushes what is left when the process exits.
 */
export function createLogs(level: string, destination: pino.DestinationStream = batchedStdout()): Logs {
  const common = { level, base: { service: 'foyer' }, timestamp: pino.stdTimeFunctions.isoTime };
  return {
    logger: pino({ ...common, redact: REDACT }, destination),
    requests: preformattedRequestLog(level, destination),
  };
}

function batchedStdout(): pino.DestinationStream {
  const stream = pino.destination({ dest: 1, sync: false, minLength: BATCH_BYTES });
  // An idle node makes one empty write a second (sonic-boom's flush writes even with nothing buffered).
  setInterval(() => {
    try {
      stream.flush();
    } catch {
      /* the stream is closed: the process is exiting */
    }
  }, FLUSH_MS).unref();
  return stream;
}

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return createLogs(level, destination).logger;
}
