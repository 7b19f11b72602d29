import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import nodemailer, { type Transporter } from 'nodemailer';
import type { MailConfig } from '../config/mail-schema.js';
import type { Logger } from '../logging/logger.js';

export interface MailMessage {
  to: string;
  cc?: string[];
  subject: string;
  text: string;
  html: string;
  /** A link worth logging when mail goes to the outbox (the redeem URL), so `npm start` is usable without SMTP. */
  primaryLink?: string;
}

export interface Mailer {
  send(message: MailMessage): Promise<{ messageId: string }>;
  close(): void;
}

export class MailDeliveryError extends Error {}

/**
 * SMTP through nodemailer when configured; otherwise each message is written to the outbox folder
 * as an .eml file (the embedded default, and the demo's mailbox).
 */
export function createMailer(config: MailConfig, logger: Logger): Mailer {
  const transport: Transporter = config.smtp
    ? nodemailer.createTransport({
        host: config.smtp.host,
        port: config.smtp.port,
        secure: config.smtp.secure,
        requireTLS: config.smtp.requireTls,
        ...(config.smtp.user ? { auth: { user: config.smtp.user, pass: config.smtp.password ?? '' } } : {}),
        connectionTimeout: 10_000,
        greetingTimeout: 10_000,
        socketTimeout: 20_000,
      })
    : nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  const outbox = resolve(config.outboxDir);

  return {
    async send(message) {
      let info;
      try {
        info = await transport.sendMail({ from: config.from, to: message.to, cc: message.cc, subject: message.subject, text: message.text, html: message.html });
      } catch (err) {
        logger.error({ err: (err as Error).message }, 'mail delivery failed');
        throw new MailDeliveryError('the mail server did not accept the message');
      }
      if (!config.smtp) {
        const name = `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomUUID().slice(0, 8)}.eml`;
        try {
          await mkdir(outbox, { recursive: true });
          await writeFile(join(outbox, name), (info as { message: Buffer }).message);
        } catch (err) {
          // An outbox that cannot be written is an undelivered mail, like a refusing SMTP server (a 502, not a 500).
          logger.error({ err: (err as Error).message, outbox: config.outboxDir }, 'mail could not be written to the outbox');
          throw new MailDeliveryError('the mail could not be written to the outbox folder');
        }
        logger.info({ to: message.to, subject: message.subject, file: join(config.outboxDir, name), link: message.primaryLink }, 'mail written to the outbox (no SMTP configured)');
      }
      return { messageId: String(info.messageId) };
    },
    close: () => transport.close(),
  };
}
