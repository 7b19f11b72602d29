import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Foyer's two loggers, writing to one stream: `logger` for everything, and `requests` for the one
 * line per request. Redaction is a second line of defence on `logger`: code must not log secrets
 * in the first place, but a header or body that slips into a log line is censored there. Request
 * lines hold only fixed, safe fields (id, method, path without query, status, duration), so they
 * skip the redaction pass, which cost more than the rest of the line on a token request.
 */
export interface Logs {
  logger: Logger;
  requests: Logger;
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

/**
 * Without a destination, lines go to stdout asynchronously: a write in flight collects the lines
 * that follow it (so a busy node makes one write per batch, not one per request), an idle node
 * writes each line at once, and pino flushes what is left when the process exits.
 */
export function createLogs(level: string, destination: pino.DestinationStream = pino.destination({ dest: 1, sync: false })): Logs {
  const common = { level, base: { service: 'foyer' }, timestamp: pino.stdTimeFunctions.isoTime };
  return {
    logger: pino({ ...common, redact: REDACT }, destination),
    requests: pino(common, destination),
  };
}

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return createLogs(level, destination).logger;
}
