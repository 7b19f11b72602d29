import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Transporter } from 'nodemailer';
import { lazyModule } from '../lib/lazy-module.js';
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

/** nodemailer loads at the first mail, not at start (issue 20: start-up time). */
const nodemailer = lazyModule(async () => (await import('nodemailer')).default);

/**
 * SMTP through nodemailer when configured; otherwise each message is written to the outbox folder
 * as an .eml file (the embedded default, and the demo's mailbox).
 */
export function createMailer(config: MailConfig, logger: Logger): Mailer {
  const openTransport = async (): Promise<Transporter> => {
    const { createTransport } = await nodemailer();
    return config.smtp
      ? createTransport({
          host: config.smtp.host,
          port: config.smtp.port,
          secure: config.smtp.secure,
          requireTLS: config.smtp.requireTls,
          ...(config.smtp.user ? { auth: { user: config.smtp.user, pass: config.smtp.password ?? '' } } : {}),
          connectionTimeout: 10_000,
          greetingTimeout: 10_000,
          socketTimeout: 20_000,
        })
      : createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  };
  let transport: Promise<Transporter> | undefined;
  const outbox = resolve(config.outboxDir);

  return {
    async send(message) {
      // Outside the try: a library that fails to load is Foyer's fault (a 500), not the mail server's.
      const sender = await (transport ??= openTransport());
      let info;
      try {
        info = await sender.sendMail({ from: config.from, to: message.to, cc: message.cc, subject: message.subject, text: message.text, html: message.html });
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
    close: () => void transport?.then((t) => t.close(), () => {}),
  };
}
