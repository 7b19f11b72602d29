import { pino } from 'pino';
import type { Logger } from '../logging/logger.js';

/** What marks a line as a security event (the same value in the file and on stdout). */
export const SECURITY_STREAM = 'foyer-security';

export type SecurityEventType = 'directoryAudit' | 'signIn';

/** Where audit and sign-in events go for a SIEM, one JSON line each (config `audit.stream`). */
export interface SecurityEventStream {
  emit(type: SecurityEventType, event: Record<string, unknown>): void;
  /** Closes the file, when there is one (a config reload opens the stream anew). */
  close?(): void;
}

/**
 * JSON lines rather than signed webhooks (docs/decisions.md): a SIEM agent (Filebeat, Vector,
 * Fluent Bit) already tails files and stdout, retries and buffers on its side, so Foyer keeps no
 * queue of its own. The file is written synchronously, one write per event, so a line is on disk
 * before the request that caused it answers (events are per sign-in or change, not per request).
 * On stdout the lines go through the node's logger, so they never interleave with log lines.
 */
export function createSecurityEventStream(settings: { file: string } | { stdout: true } | undefined, logger: Logger): SecurityEventStream | undefined {
  if (!settings) return undefined;
  if ('file' in settings) {
    const dest = pino.destination({ dest: settings.file, sync: true, mkdir: true, append: true });
    return { emit: (type, event) => dest.write(`${JSON.stringify({ stream: SECURITY_STREAM, type, ...event })}\n`), close: () => dest.end() };
  }
  // Its own level, so a quiet log level (warn) still carries every event.
  const out = logger.child({ stream: SECURITY_STREAM }, { level: 'info' });
  return { emit: (type, event) => out.info({ type, ...event }, type) };
}
