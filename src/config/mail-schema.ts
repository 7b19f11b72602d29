import { z } from 'zod';

export const mailSchema = z
  .strictObject({
    /** The sender of invitations and passcodes. */
    from: z.string().min(3).default('Foyer <no-reply@foyer.localhost>'),
    /** Without SMTP, messages are written to `outboxDir` as .eml files and their links are logged. */
    smtp: z
      .strictObject({
        host: z.string().min(1),
        port: z.number().int().min(1).max(65535).default(587),
        /** true for implicit TLS (port 465); otherwise STARTTLS is used when the server offers it. */
        secure: z.boolean().default(false),
        requireTls: z.boolean().default(false),
        user: z.string().optional(),
        password: z.string().optional(),
      })
      .optional(),
    outboxDir: z.string().default('data/outbox'),
  })
  .prefault({});

export type MailConfig = z.infer<typeof mailSchema>;
