import type { PageRenderer } from '../http/render.js';
import type { Logger } from '../logging/logger.js';
import type { Mailer } from '../mail/mailer.js';
import { lifecycleMessages, type LifecycleMessage } from './lifecycle-messages.js';
import type { MailContent } from './mail-content.js';

/** The mails there are (the message functions of LifecycleMessage). */
type MailKind = { [K in keyof LifecycleMessage]: LifecycleMessage[K] extends (d: never) => MailContent ? K : never }[keyof LifecycleMessage];

/**
 * Lifecycle mails (expiry, inactivity, reviews): one branded template (views/mail/lifecycle*.eta)
 * filled with the wording of lifecycle-messages.ts in the recipient's language. Sent after the
 * change that caused them has committed; a mail that cannot be delivered is logged, never undoes
 * the change (the audit log has it, and the sponsor can still act from the API or My Apps).
 */
export class LifecycleMail {
  constructor(private readonly deps: { mailer: Mailer; renderer: PageRenderer; logger: Logger }) {}

  async send<K extends MailKind>(to: string, kind: K, data: Parameters<LifecycleMessage[K]>[0], lang = 'en'): Promise<boolean> {
    const messages = lifecycleMessages(lang);
    const content = (messages[kind] as (d: typeof data) => MailContent)(data);
    const view = { ...content, lang: messages.lang, privacyLabel: messages.privacyLabel };
    try {
      const [html, text] = await Promise.all([this.deps.renderer.text('mail/lifecycle', view), this.deps.renderer.text('mail/lifecycle-text', view)]);
      await this.deps.mailer.send({ to, subject: content.subject, html, text, primaryLink: content.action?.url });
      return true;
    } catch (err) {
      this.deps.logger.warn({ err: err instanceof Error ? err.message : String(err), kind }, 'a lifecycle mail could not be sent');
      return false;
    }
  }
}
