import { z } from 'zod';

/**
 * Audit settings: where the security event stream for a SIEM goes (src/audit/event-stream.ts).
 * Unset: no stream (the logs stay readable through the API and the CLI).
 */
export const auditSchema = z
  .strictObject({
    stream: z
      .union([
        /** One JSON object per line, appended to this file (a SIEM agent tails it). */
        z.strictObject({ file: z.string().min(1, 'file must be a path') }),
        /** The same lines on stdout, in the log stream, marked `"stream": "foyer-security"`. */
        z.strictObject({ stdout: z.literal(true) }),
      ])
      .optional(),
  })
  .prefault({});
