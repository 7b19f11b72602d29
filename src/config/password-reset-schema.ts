import { z } from 'zod';

/** Self-service password reset for members with a local password (guests have none). */
export const passwordResetSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    /** How long a mailed link works. */
    ttlMinutes: z.number().int().min(5).max(1440).default(30),
    /** Links mailed to one address per hour; more requests get the same answer and no mail. */
    perAddressPerHour: z.number().int().min(1).max(100).default(3),
    /** Reset requests (asking for a link, and setting a password) per client address per hour. */
    perIpPerHour: z.number().int().min(1).max(10_000).default(30),
  })
  .prefault({});

export type PasswordResetConfig = z.infer<typeof passwordResetSchema>;
